package pipeline

import "github.com/vtep/vtep/ofapp"

const (
	arpOpRequest = 1
	arpOpReply   = 2
)

// arpLookup: egress's flows sending an ARP request from a local port of a
// suppressing network, whose destination MAC is unknown (a broadcast
// request), to the responder after looking its target up in neigh.
// Requests from the tunnel keep flooding to the local ports: the target's
// owner answers them, and an answer from here would be a second one.
func (b *builder) arpLookup(out []ofapp.Flow) []ofapp.Flow {
	for _, n := range b.nets {
		if n.ARPSuppression == NeighOff {
			continue
		}
		out = append(out, flow(TableEgress, prioARPLookup, FeatureARPLookup, n.VNI,
			ofapp.Match{matchVNI(n.VNI), matchFromTunnel(false), matchOutPort(0), matchARP(), ofapp.MatchARPOp(arpOpRequest)},
			[]ofapp.Action{ofapp.Resubmit{Table: TableNeigh}}, TableARPResponder),
			ndLookup(n))
	}
	return out
}

// arpResponder: table 48. Per local member port of a suppressing network, a
// request whose target has a binding (reg1[3]) is turned into its reply in
// place and sent back out of the input port, tagged as the port carries
// the network (one flow per port, so the tag is known); per network, the
// rest floods. Both flows count per VNI: answered locally and flooded.
func (b *builder) arpResponder(out []ofapp.Flow) []ofapp.Flow {
	if !b.suppressing() {
		return out
	}
	for _, n := range b.nets {
		if n.ARPSuppression == NeighOff {
			continue
		}
		var pf []portFlow
		for _, m := range n.members {
			reply, _ := ndReply(n, m)
			pf = append(pf, portFlow{m.port, flow(TableARPResponder, prioNormal, FeatureARPReply, n.VNI,
				ofapp.Match{matchARP(), ofapp.MatchInPort(m.port), matchVNI(n.VNI), ofapp.MatchReg(1, 0x8, 0x8)},
				arpReply(m), 0)}, portFlow{m.port, reply})
		}
		out = appendByPort(out, pf)
		out = append(out, flow(TableARPResponder, prioARPLookup, FeatureARPFlood, n.VNI,
			ofapp.Match{matchVNI(n.VNI)}, nil, TableFlood))
	}
	return append(out, flow(TableARPResponder, prioDefault, FeatureARPFlood, 0, nil, nil, TableFlood))
}

// arpReply turns an ARP request into the reply of the binding in reg4 and
// reg5, as OVS ARP responders do (Neutron's l2population, OVN): the
// Ethernet destination becomes the requester, the source the bound MAC;
// opcode 2; the requester's addresses become the target's, the bound MAC
// and the requested IP the sender's. Then out of the input port, tagged
// if the port is a trunk.
func arpReply(m member) []ofapp.Action {
	sha, tha := ofapp.Whole(ofapp.FieldARPSHA), ofapp.Whole(ofapp.FieldARPTHA)
	spa, tpa := ofapp.Whole(ofapp.FieldARPSPA), ofapp.Whole(ofapp.FieldARPTPA)
	acts := []ofapp.Action{
		ofapp.RegMove{Src: ethSrcWhole, Dst: ethDstWhole},
		ofapp.RegMove{Src: RegNeighMACLow, Dst: ofapp.Bits(ofapp.FieldEthSrc, 0, 32)},
		ofapp.RegMove{Src: RegNeighMACHigh, Dst: ofapp.Bits(ofapp.FieldEthSrc, 32, 16)},
		ofapp.RegLoad{Dst: ofapp.Whole(ofapp.FieldARPOp), Value: arpOpReply},
		ofapp.RegMove{Src: sha, Dst: tha},
		ofapp.RegMove{Src: RegNeighMACLow, Dst: ofapp.Bits(ofapp.FieldARPSHA, 0, 32)},
		ofapp.RegMove{Src: RegNeighMACHigh, Dst: ofapp.Bits(ofapp.FieldARPSHA, 32, 16)},
		ofapp.RegMove{Src: spa, Dst: RegSwap},
		ofapp.RegMove{Src: tpa, Dst: spa},
		ofapp.RegMove{Src: RegSwap, Dst: tpa},
	}
	if m.vlan != 0 {
		acts = append(acts, ofapp.PushVLAN{}, ofapp.SetVLANVID{VID: m.vlan})
	}
	return append(acts, ofapp.Output{Port: ofapp.PortInPort})
}
