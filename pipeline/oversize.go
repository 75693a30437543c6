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
// more. Floods to remote VTEPs are not checked.

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

// tunnelOut: table 45, only with the underlay's MTU known.
func (b *builder) tunnelOut(out []ofapp.Flow) []ofapp.Flow {
	if b.oversizeLen() == 0 {
		return out
	}
	return append(out,
		flow(TableTunnelOut, prioHigh, FeatureDropOversize, 0, ofapp.Match{matchOversize()}, nil, 0),
		flow(TableTunnelOut, prioNormal, FeatureTunnelOut, 0, nil, b.toTunnel(), 0))
}

// matchOversize matches frames check_pkt_larger found too long.
func matchOversize() ofapp.MatchField { return ofapp.MatchReg(1, 1<<2, 1<<2) }
