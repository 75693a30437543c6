package labs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/sirupsen/logrus"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// A VLAN tagger makes a plain interface behave like a member of one 802.1Q
// VLAN on a trunk, without the 8021q module (which the lab machines lack):
// two small eBPF programs, attached with tc (clsact qdisc, cls_bpf in
// direct-action mode), push the tag on every frame the interface sends and,
// on receive, pop it from frames of that VLAN and drop all others. They are
// written here as raw instructions, so no compiler is needed, and attached
// by file descriptor, so nothing is pinned on disk: a program lives as long
// as its filter, that is until the tagger is removed or the interface or
// namespace goes.

// Tagger filter identity: both filters use this priority and handle, so a
// second tagger on the same interface fails instead of stacking, and
// RemoveVLANTagger deletes exactly these two.
const (
	taggerPrio   = 0x7a6
	taggerHandle = 1
)

// eBPF instruction classes, sizes, sources and operations used by the tagger.
const (
	bpfLDX   = 0x01
	bpfALU64 = 0x07
	bpfJMP   = 0x05
	bpfW     = 0x00
	bpfMEM   = 0x60
	bpfK     = 0x00
	bpfMOV   = 0xb0
	bpfAND   = 0x50
	bpfJEQ   = 0x10
	bpfJNE   = 0x50
	bpfCALL  = 0x80
	bpfEXIT  = 0x90
)

// Helper function numbers (enum bpf_func_id) and tc verdicts.
const (
	fnSkbVlanPush = 18
	fnSkbVlanPop  = 19
	tcActOK       = 0
	tcActShot     = 2
)

// Offsets of fields in struct __sk_buff (include/uapi/linux/bpf.h).
const (
	skbVlanPresent = 20
	skbVlanTCI     = 24
	skbVlanProto   = 28
)

// insn is one eBPF instruction (struct bpf_insn).
type insn struct {
	Code     uint8
	Dst, Src uint8 // registers r0..r10
	Off      int16
	Imm      int32
}

func movImm(dst uint8, imm int32) insn {
	return insn{Code: bpfALU64 | bpfMOV | bpfK, Dst: dst, Imm: imm}
}
func andImm(dst uint8, imm int32) insn {
	return insn{Code: bpfALU64 | bpfAND | bpfK, Dst: dst, Imm: imm}
}
func ldxW(dst, src uint8, off int16) insn {
	return insn{Code: bpfLDX | bpfMEM | bpfW, Dst: dst, Src: src, Off: off}
}

// jmpImm jumps off instructions forward when dst op imm holds.
func jmpImm(op, dst uint8, imm int32, off int16) insn {
	return insn{Code: bpfJMP | op | bpfK, Dst: dst, Imm: imm, Off: off}
}
func call(fn int32) insn { return insn{Code: bpfJMP | bpfCALL, Imm: fn} }
func exit() insn         { return insn{Code: bpfJMP | bpfEXIT} }

// encodeInsns lays instructions out as the kernel reads struct bpf_insn on
// this machine: the register nibbles are a C bit-field, so their order
// follows the byte order.
func encodeInsns(prog []insn) []byte {
	b := make([]byte, 8*len(prog))
	little := binary.NativeEndian.Uint16([]byte{1, 0}) == 1
	for i, in := range prog {
		p := b[8*i:]
		p[0] = in.Code
		if little {
			p[1] = in.Dst&0xf | in.Src<<4
		} else {
			p[1] = in.Dst<<4 | in.Src&0xf
		}
		binary.NativeEndian.PutUint16(p[2:], uint16(in.Off))
		binary.NativeEndian.PutUint32(p[4:], uint32(in.Imm))
	}
	return b
}

// htons16 returns the value a __be16 holds when read as a native integer,
// which is what helpers taking __be16 and the __sk_buff vlan_proto field use.
func htons16(v uint16) int32 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return int32(binary.NativeEndian.Uint16(b[:]))
}

// vlanPushProg tags every frame with VLAN vid (TPID 0x8100); a frame that
// cannot be tagged is dropped rather than leaking untagged.
func vlanPushProg(vid int) []insn {
	return []insn{
		movImm(2, htons16(unix.ETH_P_8021Q)), // r2 = vlan_proto (r1 = skb already)
		movImm(3, int32(vid)),                // r3 = vlan_tci
		call(fnSkbVlanPush),                  // r0 = bpf_skb_vlan_push(skb, proto, tci)
		jmpImm(bpfJNE, 0, 0, 2),              // error: drop
		movImm(0, tcActOK),
		exit(),
		movImm(0, tcActShot),
		exit(),
	}
}

// vlanPopProg accepts only frames tagged 802.1Q with VLAN vid, popping the
// tag, and drops everything else. On receive the kernel has already moved the
// outer tag from the packet into the skb's metadata, where __sk_buff shows it.
func vlanPopProg(vid int) []insn {
	return []insn{
		ldxW(2, 1, skbVlanPresent), // r2 = skb->vlan_present; untagged: drop
		jmpImm(bpfJEQ, 2, 0, 9),
		ldxW(2, 1, skbVlanProto), // not 802.1Q (e.g. 802.1ad): drop
		jmpImm(bpfJNE, 2, htons16(unix.ETH_P_8021Q), 7),
		ldxW(2, 1, skbVlanTCI), // other VLAN: drop
		andImm(2, 0x0fff),
		jmpImm(bpfJNE, 2, int32(vid), 4),
		call(fnSkbVlanPop),      // r0 = bpf_skb_vlan_pop(skb)
		jmpImm(bpfJNE, 0, 0, 2), // error: drop
		movImm(0, tcActOK),
		exit(),
		movImm(0, tcActShot),
		exit(),
	}
}

// bpfProgLoadAttr is the BPF_PROG_LOAD part of union bpf_attr.
type bpfProgLoadAttr struct {
	ProgType    uint32
	InsnCnt     uint32
	Insns       uint64
	License     uint64
	LogLevel    uint32
	LogSize     uint32
	LogBuf      uint64
	KernVersion uint32
	ProgFlags   uint32
	ProgName    [unix.BPF_OBJ_NAME_LEN]byte
}

// progLoad runs BPF_PROG_LOAD, again when the kernel answers EAGAIN: the
// verifier gives up with EAGAIN when a signal arrives while it works, and
// the Go runtime signals its threads to preempt goroutines (SIGURG), so a
// load from a busy process fails now and then for no fault of the program
// (as cilium/ebpf retries too). A few tries, then the error.
func progLoad(attr *bpfProgLoadAttr) (uintptr, unix.Errno) {
	var fd uintptr
	var errno unix.Errno
	for range 10 {
		fd, _, errno = unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_LOAD, uintptr(unsafe.Pointer(attr)), unsafe.Sizeof(*attr))
		if errno != unix.EAGAIN {
			break
		}
	}
	return fd, errno
}

// loadSchedCLS loads a tc classifier program and returns its file
// descriptor. A program the verifier rejects comes back with the verifier's
// log in the error.
func loadSchedCLS(name string, prog []insn) (int, error) {
	code := encodeInsns(prog)
	license := []byte("GPL\x00")
	logBuf := make([]byte, 1<<16)
	attr := bpfProgLoadAttr{
		ProgType: unix.BPF_PROG_TYPE_SCHED_CLS,
		InsnCnt:  uint32(len(prog)),
		Insns:    uint64(uintptr(unsafe.Pointer(&code[0]))),
		License:  uint64(uintptr(unsafe.Pointer(&license[0]))),
	}
	copy(attr.ProgName[:unix.BPF_OBJ_NAME_LEN-1], name)
	fd, errno := progLoad(&attr)
	if errno == unix.EACCES || errno == unix.EINVAL {
		// Load again with the verifier log to say why.
		attr.LogLevel, attr.LogSize = 1, uint32(len(logBuf))
		attr.LogBuf = uint64(uintptr(unsafe.Pointer(&logBuf[0])))
		fd, errno = progLoad(&attr)
	}
	runtime.KeepAlive(code)
	runtime.KeepAlive(license)
	runtime.KeepAlive(logBuf)
	if errno != 0 {
		if n := cStringLen(logBuf); n > 0 {
			return -1, fmt.Errorf("load eBPF program %s: %w: verifier: %s", name, errno, logBuf[:n])
		}
		return -1, fmt.Errorf("load eBPF program %s: %w", name, errno)
	}
	return int(fd), nil
}

func cStringLen(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return len(b)
}

// taggerFilter is the tagger's cls_bpf filter on one side (parent
// netlink.HANDLE_MIN_INGRESS or HANDLE_MIN_EGRESS) of an interface.
func taggerFilter(index int, parent uint32, fd int, name string) *netlink.BpfFilter {
	return &netlink.BpfFilter{
		FilterAttrs: netlink.FilterAttrs{
			LinkIndex: index,
			Parent:    parent,
			Handle:    taggerHandle,
			Priority:  taggerPrio,
			Protocol:  unix.ETH_P_ALL,
		},
		Fd:           fd,
		Name:         name,
		DirectAction: true,
	}
}

func clsact(index int) *netlink.GenericQdisc {
	return &netlink.GenericQdisc{
		QdiscAttrs: netlink.QdiscAttrs{
			LinkIndex: index,
			Handle:    netlink.MakeHandle(0xffff, 0),
			Parent:    netlink.HANDLE_CLSACT,
		},
		QdiscType: "clsact",
	}
}

// taggerLink finds the interface a tagger is added to or removed from, and
// whether it has a clsact qdisc already.
func taggerLink(h *netlink.Handle, obj, ifname string) (netlink.Link, bool, error) {
	link, err := h.LinkByName(ifname)
	if err != nil {
		return nil, false, wrap(obj, "find", err)
	}
	qs, err := h.QdiscList(link)
	if err != nil {
		return nil, false, wrap(obj, "list qdiscs", err)
	}
	for _, q := range qs {
		if q.Type() == "clsact" {
			return link, true, nil
		}
	}
	return link, false, nil
}

// AddVLANTagger makes interface ifname in namespace ns ("" for the caller's)
// behave like a member of 802.1Q VLAN vid on a trunk: every frame it sends
// leaves tagged with vid, frames it receives tagged with vid arrive at its IP
// stack untagged, and frames it receives untagged or tagged otherwise are
// dropped. It adds a clsact qdisc to the interface if there is none, and one
// eBPF filter on each side; an interface that already has a tagger is an
// error. On failure nothing is left applied.
func AddVLANTagger(ctx context.Context, ns, ifname string, vid int) error {
	obj := fmt.Sprintf("interface %s/%s", ns, ifname)
	if err := ctx.Err(); err != nil {
		return wrap(obj, "VLAN tagger", err)
	}
	if vid < 1 || vid > 4094 {
		return fmt.Errorf("labs: %s: VLAN tagger vid %d out of range 1..4094", obj, vid)
	}
	if err := ValidateName("interface", ifname, MaxIfName); err != nil {
		return err
	}
	push, err := loadSchedCLS(fmt.Sprintf("vlan%d_push", vid), vlanPushProg(vid))
	if err != nil {
		return wrap(obj, "VLAN tagger", err)
	}
	// The filters hold their own references to the programs.
	defer unix.Close(push)
	pop, err := loadSchedCLS(fmt.Sprintf("vlan%d_pop", vid), vlanPopProg(vid))
	if err != nil {
		return wrap(obj, "VLAN tagger", err)
	}
	defer unix.Close(pop)
	err = withHandle(ns, func(h *netlink.Handle) error {
		link, had, err := taggerLink(h, obj, ifname)
		if err != nil {
			return err
		}
		idx := link.Attrs().Index
		if !had {
			if err := h.QdiscAdd(clsact(idx)); err != nil {
				return wrap(obj, "add clsact qdisc", err)
			}
		}
		// undo removes what this call added, and nothing else.
		var added []uint32
		undo := func() {
			if !had {
				_ = h.QdiscDel(clsact(idx)) // takes its filters with it
				return
			}
			for _, parent := range added {
				_ = h.FilterDel(taggerFilter(idx, parent, -1, ""))
			}
		}
		in := taggerFilter(idx, netlink.HANDLE_MIN_INGRESS, pop, fmt.Sprintf("vtep-vlan%d-pop", vid))
		if err := h.FilterAdd(in); err != nil {
			undo()
			return wrap(obj, fmt.Sprintf("attach VLAN %d pop filter on ingress", vid), err)
		}
		added = append(added, netlink.HANDLE_MIN_INGRESS)
		out := taggerFilter(idx, netlink.HANDLE_MIN_EGRESS, push, fmt.Sprintf("vtep-vlan%d-push", vid))
		if err := h.FilterAdd(out); err != nil {
			undo()
			return wrap(obj, fmt.Sprintf("attach VLAN %d push filter on egress", vid), err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	logrus.WithFields(logrus.Fields{"netns": ns, "interface": ifname, "vid": vid}).Debug("VLAN tagger attached")
	return nil
}

// RemoveVLANTagger removes the tagger AddVLANTagger put on an interface, and
// the clsact qdisc too when no other filter is left on it. Removing a tagger
// that is not there is not an error.
func RemoveVLANTagger(ctx context.Context, ns, ifname string) error {
	obj := fmt.Sprintf("interface %s/%s", ns, ifname)
	if err := ctx.Err(); err != nil {
		return wrap(obj, "remove VLAN tagger", err)
	}
	return withHandle(ns, func(h *netlink.Handle) error {
		link, had, err := taggerLink(h, obj, ifname)
		if err != nil {
			return err
		}
		idx := link.Attrs().Index
		if !had {
			return nil
		}
		left := 0
		for _, parent := range []uint32{netlink.HANDLE_MIN_INGRESS, netlink.HANDLE_MIN_EGRESS} {
			fs, err := h.FilterList(link, parent)
			if err != nil {
				return wrap(obj, "list filters", err)
			}
			ours := false
			for _, f := range fs {
				a := f.Attrs()
				switch {
				case a.Priority == taggerPrio && a.Handle == taggerHandle:
					ours = true
				case a.Handle != 0: // handle 0 lists a classifier, not a filter
					left++
				}
			}
			if !ours {
				continue
			}
			if err := h.FilterDel(taggerFilter(idx, parent, -1, "")); err != nil && !errors.Is(err, unix.ENOENT) {
				return wrap(obj, "remove VLAN tagger filter", err)
			}
		}
		if left == 0 {
			if err := h.QdiscDel(clsact(idx)); err != nil && !errors.Is(err, unix.ENOENT) {
				return wrap(obj, "remove clsact qdisc", err)
			}
		}
		return nil
	})
}
