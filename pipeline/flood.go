package pipeline

import (
	"net"
	"net/netip"
	"slices"

	"github.com/vtep/vtep/ofapp"
)

// floodFromPort is the flood flow of frames of network n entering on port.
func (b *builder) floodFromPort(n network, port uint32) ofapp.Flow {
	acts := localOutputs(n, port, true)
	if size := b.oversizeLen(); size > 0 {
		acts = append(acts, ofapp.CheckPktLarger{Len: size, Dst: RegOversize}, ofapp.Resubmit{Table: TableFloodOut})
	} else {
		acts = append(acts, b.floodTunnel(n)...)
	}
	f := flow(TableFlood, prioNormal, FeatureFlood, n.VNI,
		ofapp.Match{matchVNI(n.VNI), matchFromTunnel(false), ofapp.MatchInPort(port)}, acts, 0)
	if n.BUMPPS > 0 {
		f.Meter = bumMeterID(n.VNI)
		f = Seal(f)
	}
	return f
}

// floodTunnel are the actions sending a BUM frame of network n to the other
// VTEPs: its group address, or its group of peer or EVPN VTEPs.
func (b *builder) floodTunnel(n network) []ofapp.Action {
	acts := []ofapp.Action{ofapp.SetTunnelID{ID: uint64(n.VNI)}}
	if b.d.Replication || n.EVPN {
		return append(acts, ofapp.Group{ID: n.VNI})
	}
	return append(acts, ofapp.SetTunnelDst{IP: net.IP(n.Group.AsSlice())}, ofapp.Output{Port: b.s.TunnelPort})
}

// bumMeterID is the id of a VNI's storm-control meter: the VNI itself
// (VNIs are 1..2^24-1, meter ids 1..OFPM_MAX).
func bumMeterID(vni uint32) uint32 { return vni }

// BUMBurst is the burst, in packets, of a storm-control meter of rate pps:
// a tenth of a second's worth, at least 10 packets, so a short burst of ARP
// after a VM boots passes while a sustained storm is held to the rate.
func BUMBurst(pps uint32) uint32 { return max(pps/10, 10) }

// meters: storm control, one meter per VNI with a BUM rate.
func (b *builder) meters() []ofapp.MeterEntry {
	var out []ofapp.MeterEntry
	for _, n := range b.nets {
		if n.BUMPPS > 0 {
			out = append(out, ofapp.MeterEntry{ID: bumMeterID(n.VNI), PPS: n.BUMPPS, Burst: BUMBurst(n.BUMPPS)})
		}
	}
	return out
}

// groups: one group per VNI that floods through one: an EVPN network's
// (a bucket per VTEP that announced it, evpnGroup) and, in replication
// mode, every other network's (head-end replication, a bucket per peer).
func (b *builder) groups() []ofapp.GroupEntry {
	peers := slices.Clone(b.d.Peers)
	slices.SortFunc(peers, func(a, c netip.Addr) int { return a.Compare(c) })
	buckets := make([]ofapp.Bucket, len(peers))
	for i, p := range peers {
		buckets[i] = ofapp.Bucket{Actions: []ofapp.Action{ofapp.SetTunnelDst{IP: net.IP(p.AsSlice())}, ofapp.Output{Port: b.s.TunnelPort}}}
	}
	var out []ofapp.GroupEntry
	for _, n := range b.nets {
		switch {
		case n.EVPN:
			out = append(out, b.evpnGroup(n))
		case b.d.Replication:
			out = append(out, ofapp.GroupEntry{ID: n.VNI, Type: ofapp.GroupAll, Buckets: buckets})
		}
	}
	return out
}
