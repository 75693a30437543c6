package ofapp

import (
	"net"
	"testing"
)

func TestFlowString(t *testing.T) {
	_, sub, _ := net.ParseCIDR("192.168.10.0/24")
	tests := []struct {
		name string
		flow Flow
		want string
	}{
		{
			name: "classify access port",
			flow: Flow{Table: 0, Priority: 100, Cookie: 0x100000000000a,
				Match:   Match{MatchNoVLAN(), MatchInPort(2)},
				Actions: []Action{RegLoad{Dst: Bits(FieldReg(0), 0, 24), Value: 10}}, Goto: 20},
			want: "table=0,priority=100,cookie=0x100000000000a,in_port=2,vlan_tci=0x0000/0x1fff,actions=load:0xa->NXM_NX_REG0[0..23],goto_table:20",
		},
		{
			name: "learn remote",
			flow: Flow{Table: 10, Priority: 100, Match: Match{MatchReg(0, 10, 0xffffff)},
				Actions: []Action{Learn{Table: 30, Priority: 100, IdleTimeout: 300, Cookie: 0x3, Specs: []LearnSpec{
					LearnMatchField{Dst: Bits(FieldReg(0), 0, 24), Src: Bits(FieldReg(0), 0, 24)},
					LearnMatchField{Dst: Whole(FieldEthDst), Src: Whole(FieldEthSrc)},
					LearnLoadField{Src: Whole(FieldTunIPv4Src), Dst: Whole(FieldReg(2))},
				}}, Resubmit{Table: 30}}, Goto: 40},
			want: "table=10,priority=100,reg0=0xa/0xffffff,actions=learn(table=30,idle_timeout=300,priority=100,cookie=0x3,NXM_NX_REG0[0..23],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_NX_TUN_IPV4_SRC[]->NXM_NX_REG2[]),resubmit(,30),goto_table:40",
		},
		{
			name: "subnet and drop",
			flow: Flow{Table: 0, Priority: 50, Match: Match{MatchIPv4Dst(sub), MatchEthType(0x0800)}},
			want: "table=0,priority=50,dl_type=0x0800,nw_dst=192.168.10.0/24,actions=drop",
		},
		{
			name: "tunnel flood",
			flow: Flow{Table: 50, Priority: 100, Match: Match{MatchTunnelID(10), MatchVLANVID(5)},
				Actions: []Action{PushVLAN{}, SetVLANVID{VID: 5}, Output{Port: 3}, SetTunnelDst{IP: net.IPv4(239, 1, 1, 1)}, Output{Port: PortLocal}}},
			want: "table=50,priority=100,vlan_tci=0x1005/0x1fff,tun_id=0xa,actions=push_vlan:0x8100,set_field:4101->vlan_vid,output:3,set_field:239.1.1.1->tun_dst,LOCAL",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.flow.String(); got != tt.want {
				t.Errorf("String()\n got %s\nwant %s", got, tt.want)
			}
			if err := tt.flow.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestFlowValidate(t *testing.T) {
	bad := []Flow{
		{Table: 20, Goto: 10},
		{Actions: []Action{RegLoad{Dst: Bits(FieldReg(0), 0, 4), Value: 16}}},
		{Actions: []Action{RegMove{Src: Whole(FieldReg(1)), Dst: Bits(FieldReg(0), 0, 24)}}},
		{Actions: []Action{RegLoad{Dst: Bits(FieldReg(0), 30, 4), Value: 1}}},
	}
	for _, f := range bad {
		if err := f.Validate(); err == nil {
			t.Errorf("Validate(%s) = nil, want an error", f)
		}
	}
}

func TestMatchEqualIgnoresOrder(t *testing.T) {
	a := Match{MatchInPort(1), MatchReg(0, 10, 0xffffffff), MatchEthType(0x0806)}
	b := Match{MatchEthType(0x0806), MatchReg(0, 10, 0xffffffff), MatchInPort(1)}
	if !a.Equal(b) {
		t.Errorf("%s != %s", a, b)
	}
	if a.Equal(Match{MatchInPort(1)}) {
		t.Errorf("match with fewer fields compared equal")
	}
}
