package ofapp

import "net"

// sampleFlows returns flows that together use every match constructor and
// every action and learn spec kind of the model, each one valid for OVS.
func sampleFlows() []Flow {
	mac := net.HardwareAddr{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}
	mcast := net.HardwareAddr{0x01, 0, 0, 0, 0, 0}
	_, sub, _ := net.ParseCIDR("192.168.10.0/24")
	_, src, _ := net.ParseCIDR("10.1.0.0/16")
	reg := FieldReg
	return []Flow{
		{Table: 0, Priority: 100, Cookie: 0x100000000000a, Match: Match{MatchInPort(2), MatchNoVLAN()},
			Actions: []Action{RegLoad{Dst: Bits(reg(0), 0, 24), Value: 10}}, Goto: 20},
		{Table: 0, Priority: 110, Match: Match{MatchInPort(3), MatchVLANVID(5)},
			Actions: []Action{PopVLAN{}, RegLoad{Dst: Whole(reg(1)), Value: 0xdeadbeef}}, Goto: 20},
		{Table: 0, Priority: 120, IdleTimeout: 30, HardTimeout: 60, Match: Match{MatchInPort(1), MatchTunnelID(5000)},
			Actions: []Action{RegLoad{Dst: Bits(reg(1), 0, 1), Value: 1}}, Goto: 10},
		{Table: 0, Priority: 90, Match: Match{MatchEthType(0x0800), MatchIPv4Dst(sub), MatchIPv4Src(src)},
			Actions: []Action{SetIPv4Dst{IP: net.IPv4(10, 0, 0, 9)}, SetEthDst{MAC: mac}, Output{Port: PortLocal}}},
		{Table: 0, Priority: 91, Match: Match{MatchEthType(0x0806), MatchARPTPA(sub), MatchARPOp(1)},
			Actions: []Action{Output{Port: PortNormal}}},
		{Table: 0, Priority: 92, Match: Match{MatchEthType(0x0800), MatchIPProto(17), MatchUDPDst(4789), MatchIPv4DstAddr(net.IPv4(239, 1, 1, 1))},
			Actions: []Action{Output{Port: PortInPort}}},
		{Table: 0, Priority: 93, Match: Match{MatchEthDst(mac), MatchEthSrcMasked(net.HardwareAddr{0, 0, 0, 0, 0, 0}, mcast)},
			Actions: []Action{Output{Port: PortFlood}}},
		{Table: 0, Priority: 94, Match: Match{MatchEthDstMasked(mcast, mcast), MatchEthSrc(mac)}},
		{Table: 0, Priority: 95, Match: Match{MatchTunnelIPv4Src(net.IPv4(10, 0, 0, 1)), MatchInPort(1)},
			Actions: []Action{RegMove{Src: Whole(FieldTunIPv4Src), Dst: Whole(reg(2))}}},
		{Table: 10, Priority: 100, Cookie: 0x3, Match: Match{MatchReg(0, 10, 0xffffff)},
			Actions: []Action{Learn{Table: 30, Priority: 100, IdleTimeout: 300, HardTimeout: 900, Cookie: 0x300000000000a, Specs: []LearnSpec{
				LearnMatchField{Dst: Bits(reg(0), 0, 24), Src: Bits(reg(0), 0, 24)},
				LearnMatchField{Dst: Whole(FieldEthDst), Src: Whole(FieldEthSrc)},
				LearnMatchValue{Dst: Bits(reg(1), 0, 1), Value: 1},
				LearnLoadField{Src: Whole(FieldTunIPv4Src), Dst: Whole(reg(2))},
				LearnLoadField{Src: Whole(FieldInPort), Dst: Bits(reg(3), 0, 16)},
				LearnLoadValue{Dst: Whole(reg(4)), Value: 0x1234},
				LearnOutputField{Src: Bits(reg(3), 0, 16)},
			}}, Resubmit{Table: 30}}, Goto: 40},
		{Table: 40, Priority: 100, Match: Match{MatchReg(3, 1, 0xffffffff), MatchReg(1, 0, 1)},
			Actions: []Action{RegMove{Src: Whole(reg(2)), Dst: Whole(FieldTunIPv4Dst)}, RegMove{Src: Bits(reg(0), 0, 24), Dst: Bits(FieldTunID, 0, 24)}, Output{Port: 1}}},
		{Table: 40, Priority: 50, Match: Match{MatchReg(0, 10, 0xffffff)},
			Actions: []Action{PushVLAN{}, SetVLANVID{VID: 5}, OutputReg{Src: Bits(reg(3), 0, 16)}, PopVLAN{}}},
		{Table: 50, Priority: 100, Match: Match{MatchReg(0, 10, 0xffffff)},
			Actions: []Action{SetTunnelID{ID: 10}, SetTunnelDst{IP: net.IPv4(239, 1, 1, 1)}, Output{Port: 1}, Group{ID: 1}}},
		{Table: 50, Priority: 0},
		{Table: 0, Priority: 96, Match: Match{MatchEthType(0x0800), MatchIPProto(17), MatchUDPSrc(68), MatchUDPDst(67),
			MatchIPv4Src(&net.IPNet{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(32, 32)})}, Actions: []Action{Output{Port: PortNormal}}},
	}
}

// sampleGroups returns groups the sample flows refer to.
func sampleGroups() []GroupEntry {
	return []GroupEntry{{ID: 1, Type: GroupAll, Buckets: []Bucket{
		{Actions: []Action{SetTunnelDst{IP: net.IPv4(10, 0, 0, 2)}, Output{Port: 1}}},
		{Actions: []Action{SetTunnelDst{IP: net.IPv4(10, 0, 0, 3)}, Output{Port: 1}}},
	}}}
}
