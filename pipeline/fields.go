package pipeline

import "github.com/vtep/vtep/ofapp"

// Registers carry what one table found to the tables after it. Every bit the
// pipeline uses is listed here; all others stay zero. OVS zeroes every
// register when a packet enters the bridge, so "unset" reads as 0.
//
//	reg0[0..23]  VNI of the frame. Set by classify (table 0) for every frame
//	             it accepts; matched by tunnel-in, local-in, mac (learned
//	             entries), egress and flood; copied into tun_id on the way
//	             out to a remote VTEP. reg0[24..31] unused.
//	reg1[0]      1 = the frame came from the tunnel port. Set by classify;
//	             egress and flood use it for split horizon: a frame from
//	             the tunnel never goes back into it.
//	reg1[1]      result of a learn action with a limit (max_macs): 1 = the
//	             MAC was learned or refreshed, 0 = the limit stopped it.
//	             Written by tunnel-in and local-in, matched by mac-limit.
//	reg1[2]      1 = the frame is longer than the underlay can carry once
//	             encapsulated (check_pkt_larger). Written by egress towards
//	             a remote VTEP when the underlay MTU is known, matched by
//	             tunnel-out.
//	reg1[3]      1 = table neigh holds a binding for the ARP request's
//	             target (ARP suppression). Loaded by binding entries of
//	             neigh, 0 by a gratuitous ARP's own entry; read by
//	             arp-responder.
//	reg1[4]      1 = the frame's place (local port or remote VTEP) has
//	             paused learning in its VNI (pause.go). Loaded by the
//	             learned entries of learn-pause; matched by tunnel-in and
//	             local-in.
//	reg1[5]      1 = the source MAC is all zeros. Loaded by source-check;
//	             tunnel-in and local-in drop such frames.
//	reg1[6]      result of mac-limit's record of a refused source: 0 = the
//	             record was refused (a burst of refusals, see pause.go).
//	             Matched by pause-trigger. reg1[7..31] unused.
//	reg2         IPv4 address of the remote VTEP behind which the destination
//	             MAC was learned. Loaded by a learned-remote entry in mac
//	             (table 30), cleared to 0 by a learned-local one; egress
//	             copies it into tun_dst.
//	reg3[0..15]  OpenFlow port the destination MAC was learned on (the
//	             tunnel port for remote MACs). Loaded by learned entries;
//	             0 = unknown destination, which egress sends to flood.
//	             16 bits because learn copies it from NXM_OF_IN_PORT, a
//	             16-bit field, so ports above 0xfeff are refused.
//	             reg3[16..31] unused.
//	reg4         low 32 bits of the bound MAC of an ARP request's target,
//	reg5[0..15]  and its high 16 bits. Loaded with reg1[3] by neigh's
//	             binding entries; arp-responder copies them into the
//	             reply's eth_src and arp_sha. reg5[16..31] unused.
//	reg6         scratch of arp-responder: the request's arp_spa while
//	             the reply swaps sender and target addresses.
var (
	// RegVNI holds the frame's VNI.
	RegVNI = ofapp.Bits(ofapp.FieldReg(0), 0, 24)
	// RegFromTunnel is 1 for frames received from the tunnel port.
	RegFromTunnel = ofapp.Bits(ofapp.FieldReg(1), 0, 1)
	// RegLearned receives a limited learn action's result.
	RegLearned = ofapp.Bits(ofapp.FieldReg(1), 1, 1)
	// RegOversize receives check_pkt_larger's result before the tunnel.
	RegOversize = ofapp.Bits(ofapp.FieldReg(1), 2, 1)
	// RegRemoteVTEP holds the IPv4 address of the destination's VTEP.
	RegRemoteVTEP = ofapp.Whole(ofapp.FieldReg(2))
	// RegOutPort holds the port the destination MAC was learned on.
	RegOutPort = ofapp.Bits(ofapp.FieldReg(3), 0, 16)
	// RegLearnPaused is 1 when the frame's place has paused learning.
	RegLearnPaused = ofapp.Bits(ofapp.FieldReg(1), 4, 1)
	// RegZeroSource is 1 when the frame's source MAC is all zeros.
	RegZeroSource = ofapp.Bits(ofapp.FieldReg(1), 5, 1)
	// RegRecorded receives the result of recording a refused source.
	RegRecorded = ofapp.Bits(ofapp.FieldReg(1), 6, 1)
	// RegNeighFound is 1 when neigh found a binding to answer with.
	RegNeighFound = ofapp.Bits(ofapp.FieldReg(1), 3, 1)
	// RegNeighMACLow holds the low 32 bits of the bound MAC.
	RegNeighMACLow = ofapp.Whole(ofapp.FieldReg(4))
	// RegNeighMACHigh holds the high 16 bits of the bound MAC.
	RegNeighMACHigh = ofapp.Bits(ofapp.FieldReg(5), 0, 16)
	// RegSwap holds the request's sender IP while arp-responder swaps.
	RegSwap = ofapp.Whole(ofapp.FieldReg(6))
)

// MaxPort is the highest OpenFlow port number the pipeline can handle: ports
// travel in RegOutPort's 16 bits, and 0xff00 and above are reserved.
const MaxPort = 0xfeff

// The underlay bridge has registers of its own; only the join flows use
// them, and nothing reads what they hold:
//
//	reg0         outer IPv4 source of a flood received from the group.
//	reg1, reg2[0..15]  its outer Ethernet source (low 32, high 16 bits).
//
// Copying a field makes OVS match it exactly in the datapath flow it
// caches for the packet, so every remote VTEP's first flood (and the first
// after its MAC changes) misses that cache and is translated: that is when
// OVS's tunnel termination snoops the outer source into its neighbour cache
// (see readOuterSource).
var (
	// RegUnderlaySrcIP receives the outer IPv4 source in a join flow.
	RegUnderlaySrcIP = ofapp.Whole(ofapp.FieldReg(0))
	// RegUnderlaySrcMACLow receives the low 32 bits of the outer Ethernet source.
	RegUnderlaySrcMACLow = ofapp.Whole(ofapp.FieldReg(1))
	// RegUnderlaySrcMACHigh receives the high 16 bits of the outer Ethernet source.
	RegUnderlaySrcMACHigh = ofapp.Bits(ofapp.FieldReg(2), 0, 16)
)

// readOuterSource are the join flow's first actions: they copy the outer
// IPv4 and Ethernet sources into registers nothing reads. OVS terminates
// the tunnel of a packet a join flow sends to LOCAL and, in that
// translation, sets its tunnel neighbour entry of the outer source IP to
// the outer source MAC (ofproto-dpif-xlate.c, terminate_native_tunnel).
// But it translates only packets that miss its datapath flow cache, and
// without these copies one cached flow (keyed on the group, not on the
// sender) serves the floods of every VTEP: only the first VTEP to flood
// got snooped, and the first unicast packet to each of the others was
// dropped while OVS ARPed for it.
func readOuterSource() []ofapp.Action {
	return []ofapp.Action{
		ofapp.RegMove{Src: ofapp.Whole(ofapp.FieldIPv4Src), Dst: RegUnderlaySrcIP},
		ofapp.RegMove{Src: ofapp.Bits(ofapp.FieldEthSrc, 0, 32), Dst: RegUnderlaySrcMACLow},
		ofapp.RegMove{Src: ofapp.Bits(ofapp.FieldEthSrc, 32, 16), Dst: RegUnderlaySrcMACHigh},
	}
}

func matchVNI(vni uint32) ofapp.MatchField { return ofapp.MatchReg(0, vni, 0xffffff) }

func matchFromTunnel(from bool) ofapp.MatchField {
	if from {
		return ofapp.MatchReg(1, 1, 0x1)
	}
	return ofapp.MatchReg(1, 0, 0x1)
}

func matchOutPort(port uint32) ofapp.MatchField { return ofapp.MatchReg(3, port, 0xffff) }
