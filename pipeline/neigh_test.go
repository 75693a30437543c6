package pipeline

import (
	"errors"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/vtep/vtep/pipeline/pipelinetest"
)

var (
	ipA   = net.IPv4(192, 168, 10, 1).To4()
	ipB   = net.IPv4(192, 168, 10, 2).To4()
	ipC   = net.IPv4(192, 168, 10, 3).To4()
	ipNew = net.IPv4(192, 168, 10, 99).To4()
	macD  = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0d}
	zero  = net.HardwareAddr{0, 0, 0, 0, 0, 0}
)

// arpRequest is an ARP request from (mac, ip) for target, broadcast.
func arpRequest(in uint32, vlan uint16, mac net.HardwareAddr, ip, target net.IP) pipelinetest.Packet {
	return pipelinetest.Packet{InPort: in, VLAN: vlan, EthSrc: mac, EthDst: broadcast, EthType: 0x0806,
		ARPOp: 1, ARPSHA: mac, ARPSPA: ip, ARPTHA: zero, IPDst: target}
}

// arpReply is (mac, ip)'s reply to (dstMAC, dstIP), unicast.
func arpAnswer(in uint32, mac net.HardwareAddr, ip net.IP, dstMAC net.HardwareAddr, dstIP net.IP) pipelinetest.Packet {
	return pipelinetest.Packet{InPort: in, EthSrc: mac, EthDst: dstMAC, EthType: 0x0806,
		ARPOp: 2, ARPSHA: mac, ARPSPA: ip, ARPTHA: dstMAC, IPDst: dstIP}
}

// suppressedFabric: VTEPs 10.0.0.1 (vm1 access VLAN 1, vm2 trunk of VLAN
// 1, vm3 secured: macC with 192.168.10.3) and 10.0.0.2 (vm1), VNI 10 in
// the given mode on both.
func suppressedFabric(t *testing.T, mode NeighMode, neighbours ...string) *fabric {
	n := suppress(vniNet(10, 1, "239.1.1.1"), mode, neighbours...)
	return newFabric(t, map[string]State{
		"10.0.0.1": testState(vtepConfig(t, "10.0.0.1", n),
			Port{Name: "a", OFPort: vm1, Tag: 1}, Port{Name: "trunk", OFPort: vm2, Trunks: []uint16{1}},
			Port{Name: "sec", OFPort: vm3, Tag: 1, Secured: true, AllowedMACs: []net.HardwareAddr{macC}, AllowedIPs: []netip.Addr{netip.MustParseAddr("192.168.10.3")}}),
		"10.0.0.2": testState(vtepConfig(t, "10.0.0.2", n), Port{Name: "b", OFPort: vm1, Tag: 1}),
	})
}

// ask sends an ARP request into a VTEP and returns its trace.
func ask(t *testing.T, f *fabric, vtep string, p pipelinetest.Packet) pipelinetest.Trace {
	t.Helper()
	tr, err := f.vteps[vtep].Run(p)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// wantAnswered checks that tr is the VTEP's own reply to a request from
// (reqMAC, reqIP) on port in: one copy, back to in, saying ip is at mac.
func wantAnswered(t *testing.T, tr pipelinetest.Trace, in uint32, vlan uint16, reqMAC net.HardwareAddr, reqIP net.IP, mac net.HardwareAddr, ip net.IP) {
	t.Helper()
	if len(tr.Outputs) != 1 {
		t.Fatalf("request: %d copies %v, want one reply back to port %d", len(tr.Outputs), tr.Outputs, in)
	}
	o := tr.Outputs[0]
	want := pipelinetest.Output{Port: in, VLAN: vlan, EthSrc: mac, EthDst: reqMAC, EthType: 0x0806, IPDst: reqIP,
		ARPOp: 2, ARPSPA: ip, ARPSHA: mac, ARPTHA: reqMAC, TunDst: net.IPv4(0, 0, 0, 0).To4()}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("reply\n got %+v\nwant %+v", o, want)
	}
	if h, ok := tr.Hit(TableARPResponder); !ok || Cookie(h.Cookie).Feature() != FeatureARPReply {
		t.Errorf("reply not made by an arp-reply flow: %v", tr.Flows)
	}
}

func wantFlooded(t *testing.T, tr pipelinetest.Trace, ports ...uint32) {
	t.Helper()
	if got := tr.Ports(); !reflect.DeepEqual(got, ports) {
		t.Errorf("request reached ports %v, want %v (flooded)", got, ports)
	}
}

func TestARPSuppressionAnswersLearnedTarget(t *testing.T) {
	f := suppressedFabric(t, NeighLearned)
	// Unknown target: floods to the local ports and the group.
	if hops := f.send("10.0.0.1", arpRequest(vm1, 0, macA, ipA, ipB)); len(hops) != 3 || len(f.tunnel) != 1 {
		t.Errorf("request for an unknown target reached %v and the tunnel %d times, want 3 ports and the group", hops, len(f.tunnel))
	}
	// B on 10.0.0.2 answers A; 10.0.0.1 learns B's binding from the tunnel.
	f.send("10.0.0.2", arpAnswer(vm1, macB, ipB, macA, ipA))
	tr := ask(t, f, "10.0.0.1", arpRequest(vm1, 0, macA, ipA, ipB))
	wantAnswered(t, tr, vm1, 0, macA, ipA, macB, ipB)
	// From the trunk: the reply carries the port's tag.
	wantAnswered(t, ask(t, f, "10.0.0.1", arpRequest(vm2, 1, macD, ipNew, ipB)), vm2, 1, macD, ipNew, macB, ipB)
	// A's binding was learned on 10.0.0.1 from its own request, and on
	// 10.0.0.2 from the flooded one: B's request for A is answered there.
	wantAnswered(t, ask(t, f, "10.0.0.2", arpRequest(vm1, 0, macB, ipB, ipA)), vm1, 0, macB, ipB, macA, ipA)
	// Counters: the VNI's arp-reply flows counted the answers, arp-flood the flood.
	sw := f.vteps["10.0.0.1"]
	replied, flooded := 0, 0
	for _, fl := range sw.Flows(TableARPResponder) {
		switch Cookie(fl.Cookie).Feature() {
		case FeatureARPReply:
			replied += sw.Packets(fl.Key())
		case FeatureARPFlood:
			flooded += sw.Packets(fl.Key())
		}
	}
	if replied != 2 || flooded != 1 {
		t.Errorf("responder counted %d answered, %d flooded; want 2, 1", replied, flooded)
	}
}

func TestARPSuppressionTunnelRequestsNotAnswered(t *testing.T) {
	f := suppressedFabric(t, NeighLearned)
	f.send("10.0.0.1", arpRequest(vm1, 0, macA, ipA, ipNew))
	// A request from the tunnel for A (known on 10.0.0.1) goes to the
	// local ports: A answers it, the VTEP does not.
	tr := ask(t, f, "10.0.0.1", pipelinetest.Packet{InPort: tunnel, TunID: 10, TunSrc: net.IPv4(10, 0, 0, 2), EthSrc: macB, EthDst: broadcast,
		EthType: 0x0806, ARPOp: 1, ARPSHA: macB, ARPSPA: ipB, ARPTHA: zero, IPDst: ipA})
	wantFlooded(t, tr, vm1, vm3, vm2)
	if _, ok := tr.Hit(TableARPResponder); ok {
		t.Errorf("a request from the tunnel reached the responder: %v", tr.Flows)
	}
}

func TestARPSuppressionGratuitousMovesBinding(t *testing.T) {
	f := suppressedFabric(t, NeighLearned)
	f.send("10.0.0.2", arpAnswer(vm1, macB, ipB, macA, ipA))
	wantAnswered(t, ask(t, f, "10.0.0.1", arpRequest(vm1, 0, macA, ipA, ipB)), vm1, 0, macA, ipA, macB, ipB)
	// ipB moves to macD on 10.0.0.1's trunk, which announces it: the
	// gratuitous request floods (it is not answered, though ipB is known)
	// and reaches 10.0.0.2 ...
	garp := arpRequest(vm2, 1, macD, ipB, ipB)
	hops := f.send("10.0.0.1", garp)
	if want := []hop{{"10.0.0.1", vm1, 0}, {"10.0.0.1", vm3, 0}, {"10.0.0.2", vm1, 0}}; !reflect.DeepEqual(hops, want) {
		t.Errorf("gratuitous ARP reached %v, want %v", hops, want)
	}
	// ... and both VTEPs now answer with the new MAC.
	wantAnswered(t, ask(t, f, "10.0.0.1", arpRequest(vm1, 0, macA, ipA, ipB)), vm1, 0, macA, ipA, macD, ipB)
	wantAnswered(t, ask(t, f, "10.0.0.2", arpRequest(vm1, 0, macB, ipNew, ipB)), vm1, 0, macB, ipNew, macD, ipB)
}

func TestARPSuppressionNoBindingFromBadSenders(t *testing.T) {
	f := suppressedFabric(t, NeighLearned)
	sw := f.vteps["10.0.0.1"]
	// The secured port claims an IP it may not use, with its own MAC, or
	// another MAC as ARP sender: dropped there (counted), so no VTEP
	// learns it.
	spoofSHA := arpRequest(vm3, 0, macC, ipC, ipA)
	spoofSHA.ARPSHA = macD
	for _, p := range []pipelinetest.Packet{arpRequest(vm3, 0, macC, ipNew, ipA), spoofSHA} {
		tr := ask(t, f, "10.0.0.1", p)
		if len(tr.Outputs) != 0 || len(tr.Flows) == 0 || Cookie(tr.Flows[len(tr.Flows)-1].Cookie).Feature() != FeatureDropPortSecurity {
			t.Errorf("spoofed ARP from the secured port: out %v via %v, want dropped by drop-port-security", tr.Outputs, tr.Flows)
		}
	}
	// Its probe (sender 0.0.0.0) passes: address conflict detection works.
	if hops := f.send("10.0.0.1", arpRequest(vm3, 0, macC, net.IPv4zero.To4(), ipNew)); len(hops) != 3 {
		t.Errorf("secured port's probe reached %v, want 3 ports", hops)
	}
	// A probe (sender 0.0.0.0), a group sender MAC, a zero sender MAC.
	f.send("10.0.0.1", arpRequest(vm1, 0, macA, net.IPv4zero.To4(), ipB))
	bad := arpRequest(vm1, 0, macA, ipA, ipB)
	bad.ARPSHA = broadcast
	f.send("10.0.0.1", bad)
	bad.ARPSHA = zero
	f.send("10.0.0.1", bad)
	for _, fl := range sw.Flows(TableNeigh) {
		if Cookie(fl.Cookie).Feature().Learned() {
			t.Errorf("binding learned from a bad sender: %s", fl)
		}
	}
	wantFlooded(t, ask(t, f, "10.0.0.1", arpRequest(vm1, 0, macA, ipA, ipNew)), vm3, vm2, tunnel)
	// Its allowed IP is a static binding, answered without any ARP from it.
	wantAnswered(t, ask(t, f, "10.0.0.1", arpRequest(vm1, 0, macA, ipA, ipC)), vm1, 0, macA, ipA, macC, ipC)
	// The secured port's own allowed sender is learned (and reaches 10.0.0.2).
	if hops := f.send("10.0.0.1", arpRequest(vm3, 0, macC, ipC, ipNew)); len(hops) != 3 {
		t.Errorf("secured port's request reached %v, want vm1, vm2 and 10.0.0.2", hops)
	}
	wantAnswered(t, ask(t, f, "10.0.0.2", arpRequest(vm1, 0, macB, ipB, ipC)), vm1, 0, macB, ipB, macC, ipC)
}

func TestARPSuppressionStaticOnly(t *testing.T) {
	f := suppressedFabric(t, NeighStatic, "192.168.10.2="+macB.String())
	// Static mode learns nothing: A's request floods, and 10.0.0.2 cannot answer for A.
	f.send("10.0.0.1", arpRequest(vm1, 0, macA, ipA, ipNew))
	wantFlooded(t, ask(t, f, "10.0.0.2", arpRequest(vm1, 0, macB, ipB, ipA)), tunnel)
	for _, fl := range f.vteps["10.0.0.1"].Flows(TableNeigh) {
		if Cookie(fl.Cookie).Feature().Learned() {
			t.Errorf("static mode learned %s", fl)
		}
	}
	wantAnswered(t, ask(t, f, "10.0.0.1", arpRequest(vm1, 0, macA, ipA, ipB)), vm1, 0, macA, ipA, macB, ipB)
}

func TestARPSuppressionOffBuildsNothing(t *testing.T) {
	r := mustBuild(t, testState(testConfig(t, multicast, vniNet(10, 1, "239.1.1.1")), Port{Name: "a", OFPort: vm1, Tag: 1}))
	for _, fl := range r.Overlay {
		if fl.Table == TableNeighLearn || fl.Table == TableNeigh || fl.Table == TableARPResponder {
			t.Errorf("suppression off, yet %s", fl)
		}
	}
}

func TestARPSuppressionRefusesBadNeighbours(t *testing.T) {
	for name, nb := range map[string]Neighbour{
		"group MAC":   {IP: netip.MustParseAddr("192.168.10.2"), MAC: broadcast},
		"short MAC":   {IP: netip.MustParseAddr("192.168.10.2"), MAC: net.HardwareAddr{2, 0, 0}},
		"zero MAC":    {IP: netip.MustParseAddr("192.168.10.2"), MAC: zero},
		"no address":  {MAC: macB},
		"unspecified": {IP: netip.IPv4Unspecified(), MAC: macB},
	} {
		n := suppress(vniNet(10, 1, "239.1.1.1"), NeighLearned)
		n.Neighbours = []Neighbour{nb}
		_, err := Build(testState(testConfig(t, multicast, n)))
		var se *StateError
		if !errors.As(err, &se) || !errors.Is(err, ErrState) {
			t.Errorf("%s: Build: %v, want a StateError", name, err)
		}
	}
	p := Port{Name: "sec", OFPort: vm1, Tag: 1, Secured: true, AllowedMACs: []net.HardwareAddr{macA}, AllowedIPs: []netip.Addr{netip.MustParseAddr("2001:db8::1")}}
	if _, err := Build(testState(testConfig(t, multicast, vniNet(10, 1, "239.1.1.1")), p)); !errors.Is(err, ErrState) {
		t.Errorf("IPv6 allowed IP: Build: %v, want ErrState", err)
	}
	// An IPv6 static binding (from a control plane) answers solicitations
	// for its target.
	n := suppress(vniNet(10, 1, "239.1.1.1"), NeighStatic, "2001:db8::2="+macB.String())
	r := mustBuild(t, testState(testConfig(t, multicast, n), Port{Name: "a", OFPort: vm1, Tag: 1}))
	var nd []string
	for _, fl := range r.Overlay {
		if Cookie(fl.Cookie).Feature() == FeatureNeighStatic {
			nd = append(nd, fl.Match.String())
		}
	}
	if len(nd) != 1 || !strings.Contains(nd[0], "icmpv6_type=135") || !strings.Contains(nd[0], "nd_target=2001:db8::2") {
		t.Errorf("static bindings %v, want one matching solicitations for 2001:db8::2", nd)
	}
}

func TestParseNeighMode(t *testing.T) {
	for _, s := range NeighModes() {
		m, err := ParseNeighMode(s)
		if err != nil || m.String() != s {
			t.Errorf("ParseNeighMode(%q) = %v, %v", s, m, err)
		}
	}
	for _, s := range []string{"", "on", "evpn", "Learned"} {
		if _, err := ParseNeighMode(s); err == nil {
			t.Errorf("ParseNeighMode(%q) accepted", s)
		}
	}
}

func TestDecodeNeigh(t *testing.T) {
	ip := netip.MustParseAddr("192.168.10.2")
	ok := NeighFlow{Cookie: NewCookie(FeatureLearnedNeigh, 10), IP: ip, Loads: map[int]uint64{4: 0x0000000b, 5: 0x0200, 1: 8}}
	b, err := DecodeNeigh(ok)
	if err != nil || b.VNI != 10 || b.IP != ip || b.MAC.String() != "02:00:00:00:00:0b" || b.Static {
		t.Errorf("DecodeNeigh = %+v, %v", b, err)
	}
	static := ok
	static.Cookie = NewCookie(FeatureNeighStatic, 20)
	if b, err := DecodeNeigh(static); err != nil || !b.Static || b.VNI != 20 {
		t.Errorf("static: %+v, %v", b, err)
	}
	for name, f := range map[string]NeighFlow{
		"gratuitous entry": {Cookie: NewCookie(FeatureLearnedNeighGratuitous, 10), IP: ip},
		"a MAC flow":       {Cookie: NewCookie(FeatureLearnedRemote, 10)},
	} {
		if _, err := DecodeNeigh(f); !errors.Is(err, ErrNotBinding) {
			t.Errorf("%s: %v, want ErrNotBinding", name, err)
		}
	}
	for name, f := range map[string]NeighFlow{
		"no IP":   {Cookie: ok.Cookie, Loads: ok.Loads},
		"no high": {Cookie: ok.Cookie, IP: ip, Loads: map[int]uint64{4: 1}},
	} {
		if _, err := DecodeNeigh(f); err == nil || errors.Is(err, ErrNotBinding) {
			t.Errorf("%s: %v, want a shape error", name, err)
		}
	}
}

// TestARPSuppressionBindingLimit: learned bindings share the network's
// max_macs: past it a new sender is not bound (its requests' targets still
// answer from existing bindings), while a known sender's binding moves.
func TestARPSuppressionBindingLimit(t *testing.T) {
	n := suppress(limited(vniNet(10, 1, "239.1.1.1"), 2), NeighLearned)
	f := newFabric(t, map[string]State{"10.0.0.1": testState(vtepConfig(t, "10.0.0.1", n),
		Port{Name: "a", OFPort: vm1, Tag: 1}, Port{Name: "b", OFPort: vm2, Tag: 1})})
	learnedBindings := func() int {
		c := 0
		for _, fl := range f.vteps["10.0.0.1"].Flows(TableNeigh) {
			if Cookie(fl.Cookie).Feature() == FeatureLearnedNeigh {
				c++
			}
		}
		return c
	}
	f.send("10.0.0.1", arpRequest(vm1, 0, macA, ipA, ipNew))
	f.send("10.0.0.1", arpRequest(vm2, 0, macB, ipB, ipNew))
	f.send("10.0.0.1", arpRequest(vm2, 0, macB, ipC, ipNew)) // a third sender IP: over the limit
	if got := learnedBindings(); got != 2 {
		t.Errorf("%d learned bindings with max_macs 2, want 2", got)
	}
	wantFlooded(t, ask(t, f, "10.0.0.1", arpRequest(vm1, 0, macA, ipA, ipC)), vm2, tunnel)
	wantAnswered(t, ask(t, f, "10.0.0.1", arpRequest(vm1, 0, macA, ipA, ipB)), vm1, 0, macA, ipA, macB, ipB)
	// ipB moving to macD refreshes its flow in place: not a new one.
	f.send("10.0.0.1", arpRequest(vm2, 0, macD, ipB, ipNew))
	wantAnswered(t, ask(t, f, "10.0.0.1", arpRequest(vm1, 0, macA, ipA, ipB)), vm1, 0, macA, ipA, macD, ipB)
}
