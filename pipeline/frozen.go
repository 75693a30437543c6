package pipeline

import (
	"cmp"
	"net"
	"net/netip"
	"slices"

	"github.com/vtep/vtep/ofapp"
)

// Frozen MACs. vtepd freezes a MAC that flaps (moves too often between
// places of its VNI) at one place: until it is flushed, table mac holds a
// static entry for it that outranks the learned ones, and the learning
// tables drop frames with that source MAC from anywhere else before they
// can learn it. Frames from the frozen place are forwarded without the
// learn action, so its learned entry ages out while the static one serves.
//
//	10 tunnel-in, 20 local-in:
//	    prioFrozenPass: VNI, dl_src = MAC, from the frozen place -> resubmit(,30), goto 40
//	    prioFrozenDrop: VNI, dl_src = MAC                        -> drop (counted)
//	30 mac:
//	    prioHigh: VNI, dl_dst = MAC -> reg2 = VTEP (0: local), reg3 = port
//
// The place is a local port (matched by in_port in table 20) or a remote
// VTEP (matched by tun_src in table 10). A frozen MAC whose VNI is not
// configured, or whose port is not a member of the VNI, gets no flows.
const (
	prioFrozenPass = 220
	prioFrozenDrop = 210
)

// FrozenMAC is a MAC pinned to one place in its VNI.
type FrozenMAC struct {
	VNI uint32
	MAC net.HardwareAddr
	// Port is the local OpenFlow port it is frozen on; 0 when it is
	// frozen behind a remote VTEP.
	Port uint32
	// VTEP is the remote VTEP it is frozen behind (Port 0).
	VTEP netip.Addr
}

// Local reports whether the MAC is frozen on a local port.
func (f FrozenMAC) Local() bool { return f.Port != 0 }

// frozen adds the flows of the desired frozen MACs and keeps the overlay
// in table order. Without frozen MACs it returns out unchanged.
func (b *builder) frozen(out []ofapp.Flow) []ofapp.Flow {
	n := len(out)
	for _, f := range b.d.FrozenMACs {
		if !b.canFreeze(f) {
			continue
		}
		out = append(out, b.frozenFlows(f)...)
	}
	if len(out) == n {
		return out
	}
	slices.SortStableFunc(out, func(x, y ofapp.Flow) int { return cmp.Compare(x.Table, y.Table) })
	return out
}

// canFreeze reports whether f's VNI is configured and, for a local place,
// its port is a member of the VNI.
func (b *builder) canFreeze(f FrozenMAC) bool {
	if len(f.MAC) != 6 || (!f.Local() && !f.VTEP.Is4()) {
		return false
	}
	for _, n := range b.nets {
		if n.VNI != f.VNI {
			continue
		}
		if !f.Local() {
			return true
		}
		return slices.ContainsFunc(n.members, func(m member) bool { return m.port == f.Port })
	}
	return false
}

// frozenFlows returns the pass, drop and static entry flows of one frozen
// MAC.
func (b *builder) frozenFlows(f FrozenMAC) []ofapp.Flow {
	next := []ofapp.Action{ofapp.Resubmit{Table: TableMAC}}
	src := ofapp.MatchEthSrc(f.MAC)
	var pass ofapp.Flow
	load := []ofapp.Action{ofapp.RegLoad{Dst: RegRemoteVTEP, Value: 0}, ofapp.RegLoad{Dst: RegOutPort, Value: uint64(f.Port)}}
	if f.Local() {
		pass = flow(TableLocalIn, prioFrozenPass, FeatureFrozenMAC, f.VNI,
			ofapp.Match{ofapp.MatchInPort(f.Port), matchVNI(f.VNI), src}, next, TableEgress)
	} else {
		ip := f.VTEP.As4()
		pass = flow(TableTunnelIn, prioFrozenPass, FeatureFrozenMAC, f.VNI,
			ofapp.Match{matchVNI(f.VNI), src, ofapp.MatchTunnelIPv4Src(ip[:])}, next, TableEgress)
		load = []ofapp.Action{ofapp.RegLoad{Dst: RegRemoteVTEP, Value: uint64(ipUint(ip))},
			ofapp.RegLoad{Dst: RegOutPort, Value: uint64(b.s.TunnelPort)}}
	}
	return []ofapp.Flow{
		pass,
		flow(TableTunnelIn, prioFrozenDrop, FeatureDropFrozenMAC, f.VNI, ofapp.Match{matchVNI(f.VNI), src}, nil, 0),
		flow(TableLocalIn, prioFrozenDrop, FeatureDropFrozenMAC, f.VNI, ofapp.Match{matchVNI(f.VNI), src}, nil, 0),
		flow(TableMAC, prioHigh, FeatureFrozenMAC, f.VNI, ofapp.Match{matchVNI(f.VNI), ofapp.MatchEthDst(f.MAC)}, load, 0),
	}
}

func ipUint(ip [4]byte) uint32 {
	return uint32(ip[0])<<24 | uint32(ip[1])<<16 | uint32(ip[2])<<8 | uint32(ip[3])
}
