package pipeline

import "github.com/vtep/vtep/ofapp"

// The oversize guard. The userspace datapath neither fragments an
// encapsulated frame nor tells the guest: a frame longer than the
// underlay can carry once VXLAN's 50 bytes are added is lost in
// ovs-vswitchd with only "Message too long" in its log. When the
// underlay's MTU is known, the unicast path to a remote VTEP checks the
// frame's length first (check_pkt_larger into RegOversize) and table
// tunnel-out drops the frames that would not fit, counted by their own
// flow (drop-oversize, reason "oversize"), so dump-flows, the drop metric
// and trace show them.
//
// The checked length is the whole frame: Ethernet header (14) plus the
// guest's IP packet, which may be at most the underlay MTU minus 50. VLAN
// tags are gone by then (classify pops them), so tagged ports need no
// more. Floods to remote VTEPs are checked the same way: the flood flow of
// a local port sends its local copies, then checks the length and
// resubmits to flood-out, which drops a frame too long for the tunnel
// (drop-oversize, the same counting meter) and sends the others to the
// VNI's group or VTEPs. Local ports still get every flooded frame.

// oversizeLen is the longest frame that crosses the tunnel, 0 when the
// underlay's MTU is unknown.
func (b *builder) oversizeLen() uint16 {
	limit := b.s.Underlay.MaxVMMTU()
	if limit == 0 || limit+ethHeaderLen > 0xffff {
		return 0
	}
	return uint16(limit + ethHeaderLen)
}

// ethHeaderLen is an untagged Ethernet header's length.
const ethHeaderLen = 14

// toTunnel are the actions that send a frame to the remote VTEP in reg2.
func (b *builder) toTunnel() []ofapp.Action {
	return []ofapp.Action{
		ofapp.RegMove{Src: RegRemoteVTEP, Dst: tunDstWhole},
		ofapp.RegMove{Src: RegVNI, Dst: tunIDVNI},
		ofapp.Output{Port: b.s.TunnelPort},
	}
}

// egressTunnel appends the egress flow towards a known remote VTEP: with
// the underlay's MTU known, a size check then table tunnel-out; without
// it, the output itself.
func (b *builder) egressTunnel(out []ofapp.Flow) []ofapp.Flow {
	m := ofapp.Match{matchOutPort(b.s.TunnelPort)}
	n := b.oversizeLen()
	if n == 0 {
		return append(out, flow(TableEgress, prioNormal, FeatureEgressTunnel, 0, m, b.toTunnel(), 0))
	}
	return append(out, flow(TableEgress, prioNormal, FeatureEgressTunnel, 0, m,
		[]ofapp.Action{ofapp.CheckPktLarger{Len: n, Dst: RegOversize}}, TableTunnelOut))
}

// OversizeMeterID is the id of the meter that counts the frames
// drop-oversize drops: above every VNI, so never a storm-control meter.
//
// OVS translates both outcomes of check_pkt_larger into one datapath
// flow and credits its packets to the OpenFlow flows of both branches:
// the n_packets of drop-oversize (and of tunnel-out) count every frame
// towards remote VTEPs, large or not. A meter runs in the datapath, per
// packet, inside the larger branch only: its packet count is the number
// of frames dropped. Its rate is the highest a meter takes, so its band
// never drops anything itself.
const OversizeMeterID = 1 << 24

// oversizeMeter counts the dropped frames (see OversizeMeterID).
var oversizeMeter = ofapp.MeterEntry{ID: OversizeMeterID, PPS: 1<<32 - 1, Burst: 1<<32 - 1}

// tunnelOut: table 45, only with the underlay's MTU known.
func (b *builder) tunnelOut(out []ofapp.Flow) []ofapp.Flow {
	if b.oversizeLen() == 0 {
		return out
	}
	drop := flow(TableTunnelOut, prioHigh, FeatureDropOversize, 0, ofapp.Match{matchOversize()}, nil, 0)
	drop.Meter = OversizeMeterID
	return append(out, Seal(drop),
		flow(TableTunnelOut, prioNormal, FeatureTunnelOut, 0, nil, b.toTunnel(), 0))
}

// floodOut: table 55, only with the underlay's MTU known: the tunnel copy
// of a BUM frame from a local port, after its size check.
func (b *builder) floodOut(out []ofapp.Flow) []ofapp.Flow {
	if b.oversizeLen() == 0 {
		return out
	}
	drop := flow(TableFloodOut, prioHigh, FeatureDropOversize, 0, ofapp.Match{matchOversize()}, nil, 0)
	drop.Meter = OversizeMeterID
	out = append(out, Seal(drop))
	for _, n := range b.nets {
		if len(n.members) > 0 {
			out = append(out, flow(TableFloodOut, prioNormal, FeatureFloodOut, n.VNI, ofapp.Match{matchVNI(n.VNI)}, b.floodTunnel(n), 0))
		}
	}
	return out
}

// oversizeMeters returns the counting meter when tunnelOut drops.
func (b *builder) oversizeMeters() []ofapp.MeterEntry {
	if b.oversizeLen() == 0 {
		return nil
	}
	return []ofapp.MeterEntry{oversizeMeter}
}

// matchOversize matches frames check_pkt_larger found too long.
func matchOversize() ofapp.MatchField { return ofapp.MatchReg(1, 1<<2, 1<<2) }
