package pipeline

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sort"

	"github.com/vtep/vtep/ofapp"
)

// Priorities of EVPN networks' flows (see doc.go, EVPN networks).
const (
	// prioEVPNMAC places MACs from BGP EVPN below learned entries (100):
	// a MAC that shows up on a local port is learned there and wins at
	// once, and the control plane then advertises it with a higher
	// sequence number (RFC 7432 §15).
	prioEVPNMAC = 90
	// prioEVPNUntrusted drops an EVPN network's tunnel frames from VTEPs
	// BGP did not announce, below the per-VTEP accept flows (prioNormal).
	prioEVPNUntrusted = 50
)

// RemoteMAC is a MAC of an EVPN network behind a remote VTEP, from a BGP
// EVPN type-2 route.
type RemoteMAC struct {
	MAC  net.HardwareAddr
	VTEP netip.Addr
}

// checkEVPN refuses EVPN inputs Build cannot make flows for: remote VTEPs
// that are not unicast IPv4, MACs that are not unicast, and a MAC twice in
// one network.
func checkEVPN(n Network) error {
	field := fmt.Sprintf("Networks[%d]", n.VNI)
	for _, v := range n.FloodVTEPs {
		if !v.Is4() || v.IsMulticast() || v.IsUnspecified() {
			return &StateError{Field: field + ".FloodVTEPs", Value: v.String(), Err: fmt.Errorf("%w: want a unicast IPv4 address", ErrState)}
		}
	}
	seen := map[string]bool{}
	for _, r := range n.RemoteMACs {
		switch {
		case len(r.MAC) != 6 || r.MAC[0]&1 != 0 || bytes.Equal(r.MAC, macZero):
			return &StateError{Field: field + ".RemoteMACs", Value: r.MAC.String(), Err: fmt.Errorf("%w: want a unicast MAC", ErrState)}
		case !r.VTEP.Is4() || r.VTEP.IsMulticast() || r.VTEP.IsUnspecified():
			return &StateError{Field: field + ".RemoteMACs", Value: r.VTEP.String(), Err: fmt.Errorf("%w: want a unicast IPv4 VTEP", ErrState)}
		case seen[string(r.MAC)]:
			return &StateError{Field: field + ".RemoteMACs", Value: r.MAC.String(), Err: fmt.Errorf("%w: twice in one network", ErrState)}
		}
		seen[string(r.MAC)] = true
	}
	return nil
}

// sortedNetworks checks the networks' EVPN inputs and returns them by VNI.
func sortedNetworks(in []Network) ([]network, error) {
	nets := make([]network, len(in))
	for i, n := range in {
		if err := checkEVPN(n); err != nil {
			return nil, err
		}
		nets[i].Network = n
	}
	sort.Slice(nets, func(i, j int) bool { return nets[i].VNI < nets[j].VNI })
	return nets, nil
}

// evpnVTEPs returns the remote VTEPs an EVPN network accepts tunnel frames
// from: those announcing the network (type-3) and those holding its MACs
// (type-2), ascending, without duplicates.
func evpnVTEPs(n Network) []netip.Addr {
	out := slices.Clone(n.FloodVTEPs)
	for _, r := range n.RemoteMACs {
		out = append(out, r.VTEP)
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return slices.Compact(out)
}

// evpnTunnelIn: tunnel-in of an EVPN network. MACs come from BGP, so
// nothing is learned from the tunnel; frames are accepted only from the
// VTEPs BGP announced for the network, the rest dropped (counted).
func (b *builder) evpnTunnelIn(out []ofapp.Flow, n network) []ofapp.Flow {
	for _, v := range evpnVTEPs(n.Network) {
		out = append(out, flow(TableTunnelIn, prioNormal, FeatureEVPNTunnelIn, n.VNI,
			ofapp.Match{matchVNI(n.VNI), ofapp.MatchTunnelIPv4Src(net.IP(v.AsSlice()))},
			[]ofapp.Action{ofapp.Resubmit{Table: TableMAC}}, TableEgress))
	}
	return append(out, flow(TableTunnelIn, prioEVPNUntrusted, FeatureDropUntrustedVTEP, n.VNI,
		ofapp.Match{matchVNI(n.VNI)}, nil, 0))
}

// evpnMACs: table mac's entries of MACs behind remote VTEPs from BGP, below
// learned entries.
func (b *builder) evpnMACs(out []ofapp.Flow) []ofapp.Flow {
	for _, n := range b.nets {
		if !n.EVPN {
			continue
		}
		macs := slices.Clone(n.RemoteMACs)
		slices.SortFunc(macs, func(x, y RemoteMAC) int { return bytes.Compare(x.MAC, y.MAC) })
		for _, r := range macs {
			out = append(out, flow(TableMAC, prioEVPNMAC, FeatureMACEVPN, n.VNI,
				ofapp.Match{matchVNI(n.VNI), ofapp.MatchEthDst(r.MAC)},
				[]ofapp.Action{
					ofapp.RegLoad{Dst: RegRemoteVTEP, Value: uint64(ipv4Uint(r.VTEP))},
					ofapp.RegLoad{Dst: RegOutPort, Value: uint64(b.s.TunnelPort)},
				}, 0))
		}
	}
	return out
}

// evpnGroup is an EVPN network's flood group: a bucket per remote VTEP
// that announced the network (ingress replication, PMSI type 6). With none
// the group has no bucket and floods reach local ports only.
func (b *builder) evpnGroup(n network) ofapp.GroupEntry {
	vteps := slices.Clone(n.FloodVTEPs)
	slices.SortFunc(vteps, func(a, c netip.Addr) int { return a.Compare(c) })
	vteps = slices.Compact(vteps)
	buckets := make([]ofapp.Bucket, 0, len(vteps))
	for _, v := range vteps {
		if v == b.d.LocalIP {
			continue
		}
		buckets = append(buckets, ofapp.Bucket{Actions: []ofapp.Action{ofapp.SetTunnelDst{IP: net.IP(v.AsSlice())}, ofapp.Output{Port: b.s.TunnelPort}}})
	}
	return ofapp.GroupEntry{ID: n.VNI, Type: ofapp.GroupAll, Buckets: buckets}
}

func ipv4Uint(a netip.Addr) uint32 {
	v := a.As4()
	return uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
}

// StaticMAC is a MAC that a secured port of a network owns: a static entry
// of the MAC table (see doc.go, Port security).
type StaticMAC struct {
	VNI  uint32
	MAC  net.HardwareAddr
	Port uint32
}

// StaticMACs returns the static MACs of a state, by VNI and MAC: what a
// control plane advertises as local besides the learned MACs. A state
// Build refuses has none.
func StaticMACs(s State) []StaticMAC {
	nets, err := prepare(s)
	if err != nil {
		return nil
	}
	b := &builder{s: s, d: s.Desired, nets: nets}
	b.prepareSecurity()
	out := make([]StaticMAC, len(b.static))
	for i, st := range b.static {
		out[i] = StaticMAC{VNI: st.vni, MAC: st.mac, Port: st.port}
	}
	return out
}

// LearnedEntry is the key of the learned entry of mac in network vni in
// table mac (table, priority, match), for a strict delete: a control plane
// removes the local entry of a MAC that moved to another VTEP with it.
func LearnedEntry(vni uint32, mac net.HardwareAddr) ofapp.Flow {
	return ofapp.Flow{Table: TableMAC, Priority: learnedPrio, Match: ofapp.Match{matchVNI(vni), ofapp.MatchEthDst(mac)}}
}
