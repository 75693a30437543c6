package pipelinetest

import (
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vtep/vtep/ofapp"
)

var (
	macA = net.HardwareAddr{2, 0, 0, 0, 0, 0xa}
	bc   = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	reg0 = ofapp.Bits(ofapp.FieldReg(0), 0, 24)
)

func TestMatchAndActions(t *testing.T) {
	flows := []ofapp.Flow{
		// Masked match: multicast destinations to port 9, tagged with VLAN 7.
		{Table: 0, Priority: 10, Match: ofapp.Match{ofapp.MatchEthDstMasked(net.HardwareAddr{1, 0, 0, 0, 0, 0}, net.HardwareAddr{1, 0, 0, 0, 0, 0})},
			Actions: []ofapp.Action{ofapp.RegLoad{Dst: reg0, Value: 5}, ofapp.Resubmit{Table: 5}, ofapp.PushVLAN{}, ofapp.SetVLANVID{VID: 7}, ofapp.Output{Port: 9}}, Goto: 20},
		{Table: 0, Priority: 0, Actions: []ofapp.Action{ofapp.Output{Port: 8}}},
		{Table: 5, Priority: 1, Match: ofapp.Match{ofapp.MatchReg(0, 5, 0xffffff)}, Actions: []ofapp.Action{ofapp.RegLoad{Dst: ofapp.Bits(ofapp.FieldReg(3), 0, 16), Value: 4}}},
		{Table: 20, Priority: 1, Actions: []ofapp.Action{ofapp.PopVLAN{}, ofapp.OutputReg{Src: ofapp.Bits(ofapp.FieldReg(3), 0, 16)},
			ofapp.RegMove{Src: reg0, Dst: ofapp.Bits(ofapp.FieldTunID, 0, 24)}, ofapp.SetTunnelDst{IP: net.IPv4(10, 0, 0, 2)}, ofapp.Group{ID: 1}}},
	}
	groups := []ofapp.GroupEntry{{ID: 1, Type: ofapp.GroupAll, Buckets: []ofapp.Bucket{{Actions: []ofapp.Action{ofapp.Output{Port: 1}}}, {Actions: []ofapp.Action{ofapp.Output{Port: 2}}}}}}
	sw := New(flows, groups)
	tr, err := sw.Run(Packet{InPort: 2, EthSrc: macA, EthDst: bc})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range tr.Outputs {
		got = append(got, o.String())
	}
	// Port 2 is the in_port: the second bucket's copy is not sent.
	want := []string{"port 9 vlan 7", "port 4", "port 1 tun_id 5 tun_dst 10.0.0.2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outputs %q, want %q", got, want)
	}
	tr, err = sw.Run(Packet{InPort: 2, EthSrc: macA, EthDst: macA})
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Ports(); !reflect.DeepEqual(got, []uint32{8}) {
		t.Errorf("unicast reached %v, want [8]", got)
	}
	if n := sw.Packets(flows[1].Key()); n != 1 {
		t.Errorf("priority-0 flow counted %d packets, want 1", n)
	}
}

func TestLearnInsertsFlow(t *testing.T) {
	learn := ofapp.Learn{Table: 30, Priority: 100, IdleTimeout: 60, Cookie: 0xc1, Specs: []ofapp.LearnSpec{
		ofapp.LearnMatchField{Dst: reg0, Src: reg0},
		ofapp.LearnMatchField{Dst: ofapp.Whole(ofapp.FieldEthDst), Src: ofapp.Whole(ofapp.FieldEthSrc)},
		ofapp.LearnLoadField{Src: ofapp.Whole(ofapp.FieldTunIPv4Src), Dst: ofapp.Whole(ofapp.FieldReg(2))},
		ofapp.LearnOutputField{Src: ofapp.Whole(ofapp.FieldInPort)},
	}}
	sw := New([]ofapp.Flow{{Table: 0, Priority: 1, Actions: []ofapp.Action{ofapp.RegLoad{Dst: reg0, Value: 10}, learn}}}, nil)
	for range 2 { // learning twice refreshes, not duplicates
		if _, err := sw.Run(Packet{InPort: 3, EthSrc: macA, EthDst: bc, TunSrc: net.IPv4(10, 0, 0, 9)}); err != nil {
			t.Fatal(err)
		}
	}
	got := sw.Flows(30)
	want := "table=30,priority=100,cookie=0xc1,idle_timeout=60,dl_dst=02:00:00:00:00:0a,reg0=0xa/0xffffff,actions=load:0xa000009->NXM_NX_REG2[],output:3"
	if len(got) != 1 || got[0].String() != want {
		t.Errorf("learned %v, want [%s]", got, want)
	}
}

func TestStrictness(t *testing.T) {
	tests := []struct {
		name  string
		flows []ofapp.Flow
		want  string
	}{
		{"ambiguous", []ofapp.Flow{{Table: 0, Priority: 5, Match: ofapp.Match{ofapp.MatchInPort(1)}}, {Table: 0, Priority: 5, Match: ofapp.Match{ofapp.MatchEthDst(bc)}}}, "equal priority"},
		{"pop untagged", []ofapp.Flow{{Table: 0, Actions: []ofapp.Action{ofapp.PopVLAN{}}}}, "pop_vlan on an untagged frame"},
		{"missing group", []ofapp.Flow{{Table: 0, Actions: []ofapp.Action{ofapp.Group{ID: 3}}}}, "group 3 does not exist"},
		{"loop", []ofapp.Flow{{Table: 0, Actions: []ofapp.Action{ofapp.Resubmit{Table: 0}}}}, "table lookups"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.flows, nil).Run(Packet{InPort: 1, EthDst: bc})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestFieldPresence(t *testing.T) {
	sw := New([]ofapp.Flow{{Table: 0, Priority: 1, Match: ofapp.Match{ofapp.MatchEthType(0x0806), ofapp.MatchARPTPA(&net.IPNet{IP: net.IPv4(192, 168, 1, 0).To4(), Mask: net.CIDRMask(24, 32)})},
		Actions: []ofapp.Action{ofapp.Output{Port: 5}}}}, nil)
	for _, tt := range []struct {
		p    Packet
		want int
	}{
		{Packet{InPort: 1, EthType: 0x0806, IPDst: net.IPv4(192, 168, 1, 7)}, 1},
		{Packet{InPort: 1, EthType: 0x0806, IPDst: net.IPv4(192, 168, 2, 7)}, 0},
		{Packet{InPort: 1, EthType: 0x0800, IPDst: net.IPv4(192, 168, 1, 7)}, 0},
	} {
		tr, err := sw.Run(tt.p)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Outputs) != tt.want {
			t.Errorf("%+v: %d outputs, want %d", tt.p, len(tr.Outputs), tt.want)
		}
	}
}

// TestIPv4Fields: nw_src, nw_proto and the UDP ports match as OVS matches
// them (UDP ports only on UDP packets), and a learn action can key a flow
// on the IPv4 source.
func TestIPv4Fields(t *testing.T) {
	src := &net.IPNet{IP: net.IPv4(0, 0, 0, 0).To4(), Mask: net.CIDRMask(32, 32)}
	learn := ofapp.Learn{Table: 30, Priority: 100, Cookie: 0xc2, Specs: []ofapp.LearnSpec{
		ofapp.LearnMatchValue{Dst: ofapp.Whole(ofapp.FieldEthType), Value: 0x0800},
		ofapp.LearnMatchField{Dst: ofapp.Whole(ofapp.FieldIPv4Src), Src: ofapp.Whole(ofapp.FieldIPv4Src)},
	}}
	flows := []ofapp.Flow{
		{Table: 0, Priority: 10, Match: ofapp.Match{ofapp.MatchEthType(0x0800), ofapp.MatchIPv4Src(src), ofapp.MatchIPProto(17), ofapp.MatchUDPSrc(68), ofapp.MatchUDPDst(67)},
			Actions: []ofapp.Action{ofapp.Output{Port: 1}}},
		{Table: 0, Priority: 5, Match: ofapp.Match{ofapp.MatchEthType(0x0800)}, Actions: []ofapp.Action{learn, ofapp.Output{Port: 2}}},
	}
	sw := New(flows, nil)
	for _, tt := range []struct {
		name string
		p    Packet
		port uint32
	}{
		{"DHCP request", Packet{IPSrc: net.IPv4zero, IPProto: 17, UDPSrc: 68, UDPDst: 67}, 1},
		{"other UDP ports", Packet{IPSrc: net.IPv4zero, IPProto: 17, UDPSrc: 67, UDPDst: 68}, 2},
		{"TCP, same ports", Packet{IPSrc: net.IPv4zero, IPProto: 6, UDPSrc: 68, UDPDst: 67}, 2},
		{"another source", Packet{IPSrc: net.IPv4(10, 0, 0, 9), IPProto: 17, UDPSrc: 68, UDPDst: 67}, 2},
	} {
		p := tt.p
		p.InPort, p.EthSrc, p.EthDst, p.EthType, p.IPDst = 3, macA, bc, 0x0800, net.IPv4bcast
		tr, err := sw.Run(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := tr.Ports(); !reflect.DeepEqual(got, []uint32{tt.port}) {
			t.Errorf("%s reached %v, want [%d]", tt.name, got, tt.port)
		}
	}
	var learned []string
	for _, f := range sw.Flows(30) {
		learned = append(learned, f.Match.String())
	}
	slices.Sort(learned)
	if want := []string{"dl_type=0x0800,nw_src=0.0.0.0", "dl_type=0x0800,nw_src=10.0.0.9"}; !reflect.DeepEqual(learned, want) {
		t.Errorf("learned %q, want %q", learned, want)
	}
}
