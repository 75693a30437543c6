package pipeline

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/vtep/vtep/ofapp"
)

// Checker checks flows against their tables' declarations (Faucet style):
// the table is declared, every match field is allowed in it and has its
// prerequisites, goto, resubmit and learn only name tables the declaration
// allows, learned flows only match fields their target table allows, group
// actions name built groups, meter instructions name built meters in tables
// that allow them, the cookie is a vtep cookie, and no two flows
// share a key.
type Checker struct {
	tables map[uint8]*decl
	groups map[uint32]bool
	meters map[uint32]bool
	keys   map[uint64]int32 // flows' keys by hash of their text: the first index into keyed
	keyed  []keyRef
}

// keyRef is a checked flow's key and the next key with the same hash
// (-1: none).
type keyRef struct {
	table uint8
	prio  uint16
	match ofapp.Match
	next  int32
}

type decl struct {
	Table
	match map[string]bool
}

// NewChecker returns a Checker for one bridge's tables and groups.
func NewChecker(tables []Table, groups []ofapp.GroupEntry) *Checker {
	c := &Checker{tables: make(map[uint8]*decl), groups: make(map[uint32]bool), keys: make(map[uint64]int32)}
	for _, t := range tables {
		d := &decl{Table: t, match: make(map[string]bool)}
		for _, m := range t.Match {
			d.match[m] = true
		}
		c.tables[t.ID] = d
	}
	for _, g := range groups {
		c.groups[g.ID] = true
	}
	return c
}

// expect sizes the Checker's key index for n flows.
func (c *Checker) expect(n int) {
	c.keys, c.keyed = make(map[uint64]int32, n), make([]keyRef, 0, n)
}

// AllowMeters declares the meters built for the bridge: a flow's meter
// instruction may only name one of them.
func (c *Checker) AllowMeters(ms []ofapp.MeterEntry) {
	if c.meters == nil {
		c.meters = make(map[uint32]bool, len(ms))
	}
	for _, m := range ms {
		c.meters[m.ID] = true
	}
}

// Check returns a *FlowError if f breaks a rule.
func (c *Checker) Check(f ofapp.Flow) error {
	d, ok := c.tables[f.Table]
	if !ok {
		return &FlowError{Flow: f.String(), Table: fmt.Sprint(f.Table), Err: ErrUnknownTable}
	}
	fail := func(rule error, format string, args ...any) error {
		return &FlowError{Flow: f.String(), Table: d.Name, Err: fmt.Errorf("%w: "+format, append([]any{rule}, args...)...)}
	}
	if !Cookie(f.Cookie).IsVtep() || Cookie(f.Cookie).Feature().Learned() {
		return fail(ErrCookie, "0x%x", f.Cookie)
	}
	for _, m := range f.Match {
		if !d.match[m.Name()] {
			return fail(ErrMatch, "%s (allowed: %s)", m.Name(), strings.Join(d.Match, ", "))
		}
	}
	if err := prerequisites(f.Match); err != nil {
		return fail(ErrPrerequisite, "%v", err)
	}
	if f.Goto != 0 && !has(d.Goto, f.Goto) {
		return fail(ErrGoto, "goto_table:%d (allowed: %v)", f.Goto, d.Goto)
	}
	if f.Meter != 0 && (!d.Meter || !c.meters[f.Meter]) {
		return fail(ErrMeter, "meter:%d (table allows meters: %v)", f.Meter, d.Meter)
	}
	if err := c.checkActions(d, f.Actions); err != nil {
		return &FlowError{Flow: f.String(), Table: d.Name, Err: err}
	}
	if err := f.Validate(); err != nil {
		return fail(ErrInvalidFlow, "%v", err)
	}
	if c.duplicate(f) {
		return fail(ErrDuplicate, "another flow has table=%d,priority=%d,%s", f.Table, f.Priority, f.Match)
	}
	return nil
}

// duplicate reports whether a flow with f's key (table, priority, match,
// its fields in any order) was checked before, and records f's key if
// not. Keys are found by a hash of their fields' bytes that does not
// depend on their order: Build checks every flow, and printing each
// match again cost more than the checks.
func (c *Checker) duplicate(f ofapp.Flow) bool {
	h := uint64(f.Table)<<16 | uint64(f.Priority)
	for _, m := range f.Match {
		h += fieldHash(m)
	}
	first, ok := c.keys[h]
	for i := first; ok && i >= 0; i = c.keyed[i].next {
		k := c.keyed[i]
		if k.table == f.Table && k.prio == f.Priority && k.match.Equal(f.Match) {
			return true
		}
	}
	if !ok {
		first = -1
	}
	c.keys[h] = int32(len(c.keyed))
	c.keyed = append(c.keyed, keyRef{table: f.Table, prio: f.Priority, match: f.Match, next: first})
	return false
}

// fieldHash is FNV-1a over a match field's class, number, value and mask.
func fieldHash(m ofapp.MatchField) uint64 {
	h := uint64(fnvOffset64)
	add := func(x byte) {
		h ^= uint64(x)
		h *= fnvPrime64
	}
	add(byte(m.Class >> 8))
	add(byte(m.Class))
	add(m.Field)
	for _, x := range m.Value {
		add(x)
	}
	add(0xff) // value and mask apart
	for _, x := range m.Mask {
		add(x)
	}
	return h
}

// FNV-1a's 64-bit parameters.
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

func (c *Checker) checkActions(d *decl, actions []ofapp.Action) error {
	for _, a := range actions {
		switch a := a.(type) {
		case ofapp.RegLoad:
			if err := mayWrite(d, a.Dst); err != nil {
				return err
			}
		case ofapp.RegMove:
			if err := mayWrite(d, a.Dst); err != nil {
				return err
			}
		case ofapp.CheckPktLarger:
			if err := mayWrite(d, a.Dst); err != nil {
				return err
			}
		case ofapp.Resubmit:
			if !has(d.Resubmit, a.Table) {
				return fmt.Errorf("%w: resubmit(,%d) (allowed: %v)", ErrResubmit, a.Table, d.Resubmit)
			}
		case ofapp.Group:
			if !c.groups[a.ID] {
				return fmt.Errorf("%w: group:%d", ErrGroup, a.ID)
			}
		case ofapp.Learn:
			if err := c.checkLearn(d, a); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkLearn checks a learn action of a flow of table d: the target table,
// the learned cookie, what the learned flows match and load, and the bit
// result_dst writes in d.
func (c *Checker) checkLearn(d *decl, a ofapp.Learn) error {
	if !has(d.Learn, a.Table) {
		return fmt.Errorf("%w: learn into table %d (allowed: %v)", ErrLearn, a.Table, d.Learn)
	}
	if f := Cookie(a.Cookie).Feature(); !f.Learned() {
		return fmt.Errorf("%w: learned flows get cookie 0x%x (%s), want a learned-* feature", ErrCookie, a.Cookie, f)
	}
	target, ok := c.tables[a.Table]
	if !ok {
		return fmt.Errorf("%w: learn into table %d", ErrUnknownTable, a.Table)
	}
	for _, s := range a.Specs {
		var dst ofapp.FieldRange
		switch s := s.(type) {
		case ofapp.LearnMatchField:
			dst = s.Dst
		case ofapp.LearnMatchValue:
			dst = s.Dst
		case ofapp.LearnLoadField:
			if err := mayWrite(target, s.Dst); err != nil {
				return fmt.Errorf("learned flows: %w", err)
			}
			continue
		case ofapp.LearnLoadValue:
			if err := mayWrite(target, s.Dst); err != nil {
				return fmt.Errorf("learned flows: %w", err)
			}
			continue
		default:
			continue
		}
		if name := nxmName(dst.Field); !target.match[name] {
			return fmt.Errorf("%w: learned flows in %s may not match %s (allowed: %s)", ErrMatch, target.Name, name, strings.Join(target.Match, ", "))
		}
	}
	if a.ResultDst.Field.Bytes != 0 {
		if err := mayWrite(d, a.ResultDst); err != nil {
			return fmt.Errorf("learn result_dst: %w", err)
		}
	}
	return nil
}

// mayWrite checks a write into dst against the table's declared registers;
// fields other than registers are not declared.
func mayWrite(d *decl, dst ofapp.FieldRange) error {
	if dst.Field.Class != ofapp.ClassNXM1 || dst.Field.Field > 15 {
		return nil
	}
	if name := nxmName(dst.Field); !has(d.Write, name) {
		return fmt.Errorf("%w: %s writes %s (allowed: %s)", ErrWrite, d.Name, name, strings.Join(d.Write, ", "))
	}
	return nil
}

// nxmName maps an NXM field to the match name ovs-ofctl prints for it.
func nxmName(f ofapp.Field) string {
	if f.Class == ofapp.ClassNXM1 && f.Field <= 15 {
		return regNames[f.Field] // no case below is a register
	}
	switch f {
	case ofapp.FieldInPort:
		return "in_port"
	case ofapp.FieldEthDst:
		return "dl_dst"
	case ofapp.FieldEthSrc:
		return "dl_src"
	case ofapp.FieldVLANTCI:
		return "vlan_tci"
	case ofapp.FieldTunID:
		return "tun_id"
	case ofapp.FieldTunIPv4Src:
		return "tun_src"
	case ofapp.FieldTunIPv4Dst:
		return "tun_dst"
	case ofapp.FieldEthType:
		return "dl_type"
	case ofapp.FieldARPOp:
		return "arp_op"
	case ofapp.FieldARPSPA:
		return "arp_spa"
	case ofapp.FieldARPTPA:
		return "arp_tpa"
	case ofapp.FieldARPSHA:
		return "arp_sha"
	case ofapp.FieldIPProto:
		return "nw_proto"
	case ofapp.FieldICMPv6Type:
		return "icmpv6_type"
	case ofapp.FieldNDTarget:
		return "nd_target"
	}
	return f.Name
}

// regNames are the match names of the 16 registers, made once: every
// learn action names registers.
var regNames = func() (n [16]string) {
	for i := range n {
		n[i] = "reg" + strconv.Itoa(i)
	}
	return n
}()

// prerequisites checks what OpenFlow requires of a match: IPv4 fields need
// dl_type=0x0800, ARP fields dl_type=0x0806, UDP ports nw_proto=17.
func prerequisites(m ofapp.Match) error {
	var ethType uint16
	var proto int = -1
	for _, f := range m {
		switch f.Name() {
		case "dl_type":
			ethType = binary.BigEndian.Uint16(f.Value)
		case "nw_proto":
			proto = int(f.Value[0])
		}
	}
	for _, f := range m {
		switch n := f.Name(); n {
		case "nw_src", "nw_dst":
			if ethType != 0x0800 {
				return fmt.Errorf("%s needs dl_type=0x0800", n)
			}
		case "nw_proto":
			if ethType != 0x0800 && ethType != 0x86dd {
				return fmt.Errorf("%s needs dl_type=0x0800 or 0x86dd", n)
			}
		case "arp_tpa", "arp_spa", "arp_op", "arp_sha":
			if ethType != 0x0806 {
				return fmt.Errorf("%s needs dl_type=0x0806", n)
			}
		case "udp_dst", "udp_src":
			if proto != 17 {
				return fmt.Errorf("%s needs nw_proto=17", n)
			}
		case "ipv6_src":
			if ethType != 0x86dd {
				return fmt.Errorf("%s needs dl_type=0x86dd", n)
			}
		case "icmpv6_type", "nd_target", "nd_sll", "nd_tll":
			if ethType != 0x86dd || proto != 58 {
				return fmt.Errorf("%s needs dl_type=0x86dd and nw_proto=58", n)
			}
		}
	}
	return nil
}
