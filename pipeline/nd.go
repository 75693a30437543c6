package pipeline

import (
	"net/netip"

	"github.com/vtep/vtep/ofapp"
)

// IPv6 Neighbour Discovery, answered like ARP (see neigh.go): the senders
// of solicitations (their source address and source link-layer option) and
// advertisements (their target and target link-layer option) are learned
// into table neigh as (VNI, nd_target) -> MAC; a solicitation from a local
// port for a bound target is turned into the advertisement in place:
//
//	48 arp-responder: eth and IPv6 addresses swapped (the target becomes
//	   the source), icmpv6_type 135 -> 136, nd_reserved = S|O,
//	   nd_options_type 1 -> 2 (the source link-layer option becomes the
//	   target's), goto 49
//	49 nd-advert: nd_tll = the bound MAC, tagged, IN_PORT
//
// Two tables because OVS checks a set_field's prerequisites against the
// flow's match: a flow matching a solicitation may not set nd_tll, while
// the one in table 49 matches the advertisement the packet has become.
// A solicitation without a source link-layer option (duplicate address
// detection, from ::) is never answered: it has no option to rewrite.
// Secured ports' ND is not learned: their allowed addresses are IPv4.

const (
	ethTypeIPv6   = uint16(0x86dd)
	ipProtoICMPv6 = uint8(58)
	ndSolicit     = uint8(135)
	ndAdvert      = uint8(136)
	// ndFlagsSO are the Solicited and Override flags of an advertisement,
	// in the word nd_reserved writes.
	ndFlagsSO = 0x60000000
	// ndOptTLL is the target link-layer address option's type.
	ndOptTLL = 2
)

// Priorities of ND's flows in neigh-learn and neigh.
const (
	prioNDSecured = 190 // neigh-learn: a secured port's ND: not learned
	prioNDNoSLL   = 130 // neigh: a solicitation without a source link-layer option
)

// matchND matches ND messages of type t; dl_type leads, so that a frame of
// another type fails on it first (pipelinetest simulates no IPv6 fields).
func matchND(t uint8, rest ...ofapp.MatchField) ofapp.Match {
	return append(ofapp.Match{ofapp.MatchEthType(ethTypeIPv6), ofapp.MatchIPProto(ipProtoICMPv6), ofapp.MatchICMPv6Type(t)}, rest...)
}

// ndLearn: neigh-learn's ND flows of network n (mode learned): no binding
// from duplicate address detection, from messages without (or with a
// group or zero) link-layer option, or from secured ports; else learn.
func (b *builder) ndLearn(n network) []ofapp.Flow {
	vni := matchVNI(n.VNI)
	noLearn := func(prio uint16, m ofapp.Match) ofapp.Flow {
		return flow(TableNeighLearn, prio, FeatureNeighNoLearn, n.VNI, m, nil, 0)
	}
	out := []ofapp.Flow{
		noLearn(prioNeighInvalid, matchND(ndSolicit, vni, ofapp.MatchIPv6Src(netip.IPv6Unspecified()))),
		noLearn(prioNeighInvalid, matchND(ndSolicit, vni, ofapp.MatchNDSLL(macZero))),
		noLearn(prioNeighInvalid, matchND(ndSolicit, vni, ofapp.MatchNDSLLMasked(macGroupBit, macGroupBit))),
		noLearn(prioNeighInvalid, matchND(ndAdvert, vni, ofapp.MatchNDTLL(macZero))),
		noLearn(prioNeighInvalid, matchND(ndAdvert, vni, ofapp.MatchNDTLLMasked(macGroupBit, macGroupBit))),
	}
	var pf []portFlow
	for _, m := range n.members {
		if _, ok := b.secured[m.port]; ok {
			pf = append(pf, portFlow{m.port, noLearn(prioNDSecured,
				ofapp.Match{ofapp.MatchEthType(ethTypeIPv6), ofapp.MatchInPort(m.port), vni})})
		}
	}
	out = appendByPort(out, pf)
	return append(out,
		flow(TableNeighLearn, prioNormal, FeatureNeighLearn, n.VNI, matchND(ndSolicit, vni),
			[]ofapp.Action{b.ndLearnAction(n, ofapp.FieldIPv6Src, ofapp.FieldNDSLL)}, 0),
		flow(TableNeighLearn, prioNormal, FeatureNeighLearn, n.VNI, matchND(ndAdvert, vni),
			[]ofapp.Action{b.ndLearnAction(n, ofapp.FieldNDTarget, ofapp.FieldNDTLL)}, 0))
}

// ndLearnAction learns (VNI, nd_target = this ip) -> this mac, looked up by
// solicitations, with the ARP bindings' cookie, timeout and limit.
func (b *builder) ndLearnAction(n network, ip, mac ofapp.Field) ofapp.Learn {
	return ofapp.Learn{Table: TableNeigh, Priority: learnedPrio, HardTimeout: b.d.MACAgeing, Limit: n.MaxMACs,
		Cookie: uint64(NewCookie(FeatureLearnedNeigh, n.VNI)),
		Specs: []ofapp.LearnSpec{
			ofapp.LearnMatchField{Dst: RegVNI, Src: RegVNI},
			ofapp.LearnMatchValue{Dst: ofapp.Whole(ofapp.FieldEthType), Value: uint64(ethTypeIPv6)},
			ofapp.LearnMatchValue{Dst: ofapp.Whole(ofapp.FieldIPProto), Value: uint64(ipProtoICMPv6)},
			ofapp.LearnMatchValue{Dst: ofapp.Whole(ofapp.FieldICMPv6Type), Value: uint64(ndSolicit)},
			ofapp.LearnMatchField{Dst: ofapp.Whole(ofapp.FieldNDTarget), Src: ofapp.Whole(ip)},
			ofapp.LearnLoadField{Src: ofapp.Bits(mac, 0, 32), Dst: RegNeighMACLow},
			ofapp.LearnLoadField{Src: ofapp.Bits(mac, 32, 16), Dst: RegNeighMACHigh},
			ofapp.LearnLoadValue{Dst: RegNeighFound, Value: 1},
		}}
}

// ndStatic is neigh's flow of a static IPv6 binding.
func ndStatic(s staticNeigh) ofapp.Flow {
	return flow(TableNeigh, prioNeighStatic, FeatureNeighStatic, s.vni,
		matchND(ndSolicit, matchVNI(s.vni), ofapp.MatchNDTarget(s.ip)), loadMAC(s.mac), 0)
}

// ndNoAnswer is neigh's flow that leaves a solicitation without a source
// link-layer option unanswered, above every binding.
func ndNoAnswer() ofapp.Flow {
	return flow(TableNeigh, prioNDNoSLL, FeatureNDNoAnswer, 0, matchND(ndSolicit, ofapp.MatchNDSLL(macZero)),
		[]ofapp.Action{ofapp.RegLoad{Dst: RegNeighFound, Value: 0}}, 0)
}

// ndLookup is egress's flow sending a solicitation from a local port of n,
// to an unknown (multicast) destination, through neigh to the responder.
func ndLookup(n network) ofapp.Flow {
	return flow(TableEgress, prioARPLookup, FeatureNDLookup, n.VNI,
		matchND(ndSolicit, matchVNI(n.VNI), matchFromTunnel(false), matchOutPort(0)),
		[]ofapp.Action{ofapp.Resubmit{Table: TableNeigh}}, TableARPResponder)
}

// ndReply: arp-responder's flow of member m of n turning a solicitation
// whose target is bound into the advertisement, and nd-advert's flow
// completing it and sending it back.
func ndReply(n network, m member) (reply, advert ofapp.Flow) {
	ipSrc, ipDst := ofapp.Whole(ofapp.FieldIPv6Src), ofapp.Whole(ofapp.FieldIPv6Dst)
	turn := []ofapp.Action{
		ofapp.RegMove{Src: ethSrcWhole, Dst: ethDstWhole},
		ofapp.RegMove{Src: RegNeighMACLow, Dst: ofapp.Bits(ofapp.FieldEthSrc, 0, 32)},
		ofapp.RegMove{Src: RegNeighMACHigh, Dst: ofapp.Bits(ofapp.FieldEthSrc, 32, 16)},
		ofapp.RegMove{Src: ipSrc, Dst: ipDst},
		ofapp.RegMove{Src: ofapp.Whole(ofapp.FieldNDTarget), Dst: ipSrc},
		ofapp.RegLoad{Dst: ofapp.Whole(ofapp.FieldICMPv6Type), Value: uint64(ndAdvert)},
		ofapp.RegLoad{Dst: ofapp.Whole(ofapp.FieldNDReserved), Value: ndFlagsSO},
		ofapp.RegLoad{Dst: ofapp.Whole(ofapp.FieldNDOptionsType), Value: ndOptTLL},
	}
	send := []ofapp.Action{
		ofapp.RegMove{Src: RegNeighMACLow, Dst: ofapp.Bits(ofapp.FieldNDTLL, 0, 32)},
		ofapp.RegMove{Src: RegNeighMACHigh, Dst: ofapp.Bits(ofapp.FieldNDTLL, 32, 16)},
	}
	if m.vlan != 0 {
		send = append(send, ofapp.PushVLAN{}, ofapp.SetVLANVID{VID: m.vlan})
	}
	send = append(send, ofapp.Output{Port: ofapp.PortInPort})
	return flow(TableARPResponder, prioNormal, FeatureNDReply, n.VNI,
			matchND(ndSolicit, ofapp.MatchInPort(m.port), matchVNI(n.VNI), ofapp.MatchReg(1, 0x8, 0x8)), turn, TableNDAdvert),
		flow(TableNDAdvert, prioNormal, FeatureNDAdvert, n.VNI,
			matchND(ndAdvert, ofapp.MatchInPort(m.port), matchVNI(n.VNI)), send, 0)
}

// ndAdvertTable: table 49, the advertisements' second half, per member of
// each suppressing network.
func (b *builder) ndAdvertTable(out []ofapp.Flow) []ofapp.Flow {
	for _, n := range b.nets {
		if n.ARPSuppression == NeighOff {
			continue
		}
		for _, m := range n.members {
			_, advert := ndReply(n, m)
			out = append(out, advert)
		}
	}
	return out
}
