package pipeline

import (
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"sort"
	"testing"

	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline/pipelinetest"
)

var (
	broadcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	macA      = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0a}
	macB      = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0b}
	macC      = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0c}
	ipv4      = uint16(0x0800)
)

// hop is where a copy of a frame ended up: a VTEP's local port with its VLAN.
type hop struct {
	VTEP string
	Port uint32
	VLAN uint16
}

func (h hop) String() string { return fmt.Sprintf("%s:%d/vlan%d", h.VTEP, h.Port, h.VLAN) }

// fabric is several simulated VTEPs joined by an ideal underlay: a copy sent
// to the tunnel with a multicast tun_dst reaches every other VTEP using that
// group; a unicast tun_dst reaches that VTEP. Each VTEP's switch is built
// from its own State by Build.
type fabric struct {
	t      *testing.T
	vteps  map[string]*pipelinetest.Switch // by local IP
	groups map[string][]netip.Addr
	tunnel []pipelinetest.Output // tunnel copies of the last send
}

func newFabric(t *testing.T, states map[string]State) *fabric {
	f := &fabric{t: t, vteps: make(map[string]*pipelinetest.Switch), groups: make(map[string][]netip.Addr)}
	for ip, s := range states {
		r := mustBuild(t, s)
		f.vteps[ip] = pipelinetest.New(r.Overlay, r.Groups)
		f.groups[ip] = s.Desired.Groups()
	}
	return f
}

// send runs a frame into one VTEP and follows it across the underlay,
// returning every local port it reached, sorted.
func (f *fabric) send(vtep string, p pipelinetest.Packet) []hop {
	f.t.Helper()
	tr, err := f.vteps[vtep].Run(p)
	if err != nil {
		f.t.Fatalf("%s: %v", vtep, err)
	}
	f.tunnel = nil
	var hops []hop
	for _, o := range tr.Outputs {
		if o.Port != tunnel {
			hops = append(hops, hop{vtep, o.Port, o.VLAN})
			continue
		}
		f.tunnel = append(f.tunnel, o)
		if o.VLAN != 0 {
			f.t.Errorf("%s: tagged frame (VLAN %d) sent into the tunnel", vtep, o.VLAN)
		}
		for _, peer := range f.receivers(vtep, o.TunDst) {
			inner := pipelinetest.Packet{InPort: tunnel, EthSrc: o.EthSrc, EthDst: o.EthDst, EthType: o.EthType,
				IPDst: o.IPDst, TunID: o.TunID, TunSrc: net.ParseIP(vtep),
				ARPOp: o.ARPOp, ARPSPA: o.ARPSPA, ARPSHA: o.ARPSHA, ARPTHA: o.ARPTHA}
			rt, err := f.vteps[peer].Run(inner)
			if err != nil {
				f.t.Fatalf("%s: %v", peer, err)
			}
			for _, ro := range rt.Outputs {
				if ro.Port == tunnel {
					f.t.Errorf("%s sent a frame from the tunnel back into the tunnel: %v", peer, ro)
					continue
				}
				hops = append(hops, hop{peer, ro.Port, ro.VLAN})
			}
		}
	}
	sort.Slice(hops, func(i, j int) bool { return hops[i].String() < hops[j].String() })
	return hops
}

func (f *fabric) receivers(from string, dst net.IP) []string {
	a, _ := netip.AddrFromSlice(dst.To4())
	var out []string
	for ip, groups := range f.groups {
		if ip == from {
			continue
		}
		if a.IsMulticast() && has(groups, a) || a.String() == ip {
			out = append(out, ip)
		}
	}
	sort.Strings(out)
	return out
}

func frame(in uint32, vlan uint16, src, dst net.HardwareAddr) pipelinetest.Packet {
	return pipelinetest.Packet{InPort: in, VLAN: vlan, EthSrc: src, EthDst: dst, EthType: ipv4, IPDst: net.IPv4(192, 168, 10, 9)}
}

func vtepConfig(t *testing.T, local string, nets ...Network) *Desired {
	c := testConfig(t, multicast, nets...)
	c.LocalIP = netip.MustParseAddr(local)
	return c
}

// threeVTEPs is the ARP walk-through's three VTEPs (labs/figure4.yaml) plus a second VNI: on each VTEP one VM in
// VNI 10 and, on 10.0.0.1 and 10.0.0.2, one in VNI 20. 10.0.0.2 carries VNI
// 10 on VLAN 5 of a trunk (VLAN translation), the others on access VLAN 1.
func threeVTEPs(t *testing.T) *fabric {
	n10 := vniNet(10, 1, "239.1.1.1")
	n10v5 := vniNet(10, 5, "239.1.1.1")
	n20 := vniNet(20, 2, "239.1.1.1")
	return newFabric(t, map[string]State{
		"10.0.0.1": testState(vtepConfig(t, "10.0.0.1", n10, n20),
			Port{Name: "a1", OFPort: vm1, Tag: 1}, Port{Name: "a2", OFPort: vm2, Tag: 1}, Port{Name: "b1", OFPort: vm3, Tag: 2}),
		"10.0.0.2": testState(vtepConfig(t, "10.0.0.2", n10v5, n20),
			Port{Name: "trunk", OFPort: vm1, Trunks: []uint16{5, 2, 7}}),
		"10.0.0.3": testState(vtepConfig(t, "10.0.0.3", n10),
			Port{Name: "a3", OFPort: vm1, Tag: 1}),
	})
}

func TestBroadcastReachesVNIOnly(t *testing.T) {
	f := threeVTEPs(t)
	got := f.send("10.0.0.1", frame(vm1, 0, macA, broadcast))
	want := []hop{{"10.0.0.1", vm2, 0}, {"10.0.0.2", vm1, 5}, {"10.0.0.3", vm1, 0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("broadcast from VNI 10 reached %v, want %v", got, want)
	}
	if len(f.tunnel) != 1 || f.tunnel[0].TunID != 10 || !f.tunnel[0].TunDst.Equal(net.IPv4(239, 1, 1, 1)) {
		t.Errorf("tunnel copies %v, want one with tun_id 10 to 239.1.1.1", f.tunnel)
	}
	got = f.send("10.0.0.1", frame(vm3, 0, macB, broadcast))
	want = []hop{{"10.0.0.2", vm1, 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("broadcast from VNI 20 reached %v, want %v", got, want)
	}
}

func TestBroadcastFromTunnelStaysLocal(t *testing.T) {
	f := threeVTEPs(t)
	sw := f.vteps["10.0.0.1"]
	tr, err := sw.Run(pipelinetest.Packet{InPort: tunnel, EthSrc: macC, EthDst: broadcast, EthType: ipv4,
		IPDst: net.IPv4(192, 168, 10, 1), TunID: 10, TunSrc: net.IPv4(10, 0, 0, 3)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tr.Ports(), []uint32{vm1, vm2}; !reflect.DeepEqual(got, want) {
		t.Errorf("broadcast from the tunnel reached ports %v, want %v (never the tunnel)", got, want)
	}
}

func TestLearningRemoteThenUnicast(t *testing.T) {
	f := threeVTEPs(t)
	// macC on 10.0.0.3 broadcasts: every VTEP learns it behind 10.0.0.3.
	f.send("10.0.0.3", frame(vm1, 0, macC, broadcast))
	got := f.send("10.0.0.1", frame(vm1, 0, macA, macC))
	if want := []hop{{"10.0.0.3", vm1, 0}}; !reflect.DeepEqual(got, want) {
		t.Errorf("unicast to a learned remote MAC reached %v, want %v", got, want)
	}
	if len(f.tunnel) != 1 || !f.tunnel[0].TunDst.Equal(net.IPv4(10, 0, 0, 3)) || f.tunnel[0].TunID != 10 {
		t.Errorf("tunnel copies %v, want one to 10.0.0.3 with tun_id 10", f.tunnel)
	}
	// The learned entry names its feature and VNI, and ages mac_ageing after its source was last seen (hard timeout).
	var learned []ofapp.Flow
	for _, fl := range f.vteps["10.0.0.1"].Flows(TableMAC) {
		if Cookie(fl.Cookie).Feature() == FeatureLearnedRemote {
			learned = append(learned, fl)
		}
	}
	if len(learned) != 1 {
		t.Fatalf("10.0.0.1 learned %d remote MACs, want 1: %v", len(learned), learned)
	}
	c := Cookie(learned[0].Cookie)
	if c.Feature() != FeatureLearnedRemote || c.VNI() != 10 || learned[0].HardTimeout != 300 || learned[0].IdleTimeout != 0 || c&LearnedMask != LearnedValue {
		t.Errorf("learned flow %s: cookie %s, hard %d, idle %d; want learned-remote vni=10, hard 300, no idle", learned[0], c, learned[0].HardTimeout, learned[0].IdleTimeout)
	}
	// macA answered from 10.0.0.1 by unicast: 10.0.0.3 learned it from the
	// reply's outer source, so its reply goes straight back.
	f.send("10.0.0.3", frame(vm1, 0, macC, macA))
	if len(f.tunnel) != 1 || !f.tunnel[0].TunDst.Equal(net.IPv4(10, 0, 0, 1)) {
		t.Errorf("reply tunnel copies %v, want one to 10.0.0.1", f.tunnel)
	}
}

func TestLearningLocal(t *testing.T) {
	f := threeVTEPs(t)
	f.send("10.0.0.1", frame(vm1, 0, macA, broadcast))
	got := f.send("10.0.0.1", frame(vm2, 0, macB, macA))
	if want := []hop{{"10.0.0.1", vm1, 0}}; !reflect.DeepEqual(got, want) {
		t.Errorf("unicast to a local MAC reached %v, want %v", got, want)
	}
	if len(f.tunnel) != 0 {
		t.Errorf("unicast to a local MAC also went into the tunnel: %v", f.tunnel)
	}
	// A frame to a MAC learned on its own ingress port goes nowhere.
	if got := f.send("10.0.0.1", frame(vm1, 0, macC, macA)); len(got) != 0 || len(f.tunnel) != 0 {
		t.Errorf("hairpin frame reached %v and tunnel %v, want nothing", got, f.tunnel)
	}
}

func TestMACMovesFromRemoteToLocal(t *testing.T) {
	f := threeVTEPs(t)
	f.send("10.0.0.3", frame(vm1, 0, macC, broadcast)) // macC behind 10.0.0.3
	f.send("10.0.0.1", frame(vm2, 0, macC, broadcast)) // macC now on 10.0.0.1 port vm2
	got := f.send("10.0.0.1", frame(vm1, 0, macA, macC))
	if want := []hop{{"10.0.0.1", vm2, 0}}; !reflect.DeepEqual(got, want) || len(f.tunnel) != 0 {
		t.Errorf("after the move, unicast reached %v (tunnel %v), want %v only", got, f.tunnel, want)
	}
}

func TestNothingCrossesVNIs(t *testing.T) {
	f := threeVTEPs(t)
	f.send("10.0.0.1", frame(vm1, 0, macA, broadcast)) // macA learned in VNI 10 on vm1
	// The same MAC as destination from VNI 20 is unknown there: flooded in VNI 20 only.
	got := f.send("10.0.0.1", frame(vm3, 0, macB, macA))
	if want := []hop{{"10.0.0.2", vm1, 2}}; !reflect.DeepEqual(got, want) {
		t.Errorf("VNI 20 frame to a VNI 10 MAC reached %v, want %v", got, want)
	}
	// From the tunnel, VNI 20 to macA: VNI 20's local ports only.
	tr, err := f.vteps["10.0.0.1"].Run(pipelinetest.Packet{InPort: tunnel, EthSrc: macC, EthDst: macA, EthType: ipv4,
		IPDst: net.IPv4(192, 168, 20, 1), TunID: 20, TunSrc: net.IPv4(10, 0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tr.Ports(), []uint32{vm3}; !reflect.DeepEqual(got, want) {
		t.Errorf("VNI 20 from the tunnel reached %v, want %v", got, want)
	}
}

func TestUnknownVLANAndVNIDropped(t *testing.T) {
	f := threeVTEPs(t)
	sw := f.vteps["10.0.0.2"]
	tests := []struct {
		name string
		p    pipelinetest.Packet
		want Feature
	}{
		{"trunked but unmapped VLAN", frame(vm1, 7, macA, broadcast), FeatureDropUnknownVLAN},
		{"VLAN not trunked", frame(vm1, 1, macA, broadcast), FeatureDropUnknownVLAN},
		{"untagged on a trunk", frame(vm1, 0, macA, broadcast), FeatureDropUnknownVLAN},
		{"unknown port", frame(9, 5, macA, broadcast), FeatureDropUnknownVLAN},
		{"unknown VNI", pipelinetest.Packet{InPort: tunnel, EthSrc: macA, EthDst: broadcast, TunID: 30, TunSrc: net.IPv4(10, 0, 0, 1)}, FeatureDropUnknownVNI},
		{"VNI mapped elsewhere only", pipelinetest.Packet{InPort: tunnel, EthSrc: macA, EthDst: broadcast, TunID: 11, TunSrc: net.IPv4(10, 0, 0, 1)}, FeatureDropUnknownVNI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := sw.Run(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			hit, ok := tr.Hit(TableClassify)
			if len(tr.Outputs) != 0 || !ok || Cookie(hit.Cookie).Feature() != tt.want || len(tr.Flows) != 1 {
				t.Fatalf("outputs %v, flows %v; want a drop by %s", tr.Outputs, tr.Flows, tt.want)
			}
			before := sw.Packets(hit.Key())
			if _, err := sw.Run(tt.p); err != nil {
				t.Fatal(err)
			}
			if after := sw.Packets(hit.Key()); after != before+1 {
				t.Errorf("drop counter went %d -> %d, want +1", before, after)
			}
		})
	}
	// Access ports drop tagged frames.
	tr, err := f.vteps["10.0.0.1"].Run(frame(vm1, 1, macA, broadcast))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Outputs) != 0 {
		t.Errorf("tagged frame on an access port reached %v", tr.Outputs)
	}
}

func TestVLANTranslation(t *testing.T) {
	f := threeVTEPs(t)
	// VLAN 5 on 10.0.0.2's trunk is VNI 10, which is VLAN 1 on 10.0.0.1.
	got := f.send("10.0.0.2", frame(vm1, 5, macB, broadcast))
	want := []hop{{"10.0.0.1", vm1, 0}, {"10.0.0.1", vm2, 0}, {"10.0.0.3", vm1, 0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("VLAN 5 broadcast reached %v, want %v", got, want)
	}
	// Back again as known unicast: tagged with VLAN 5 on egress.
	got = f.send("10.0.0.1", frame(vm1, 0, macA, macB))
	if want := []hop{{"10.0.0.2", vm1, 5}}; !reflect.DeepEqual(got, want) {
		t.Errorf("unicast to the trunk's MAC reached %v, want %v", got, want)
	}
}

func TestSplitHorizonForRemoteDestination(t *testing.T) {
	f := threeVTEPs(t)
	f.send("10.0.0.3", frame(vm1, 0, macC, broadcast)) // 10.0.0.1 learns macC behind 10.0.0.3
	tr, err := f.vteps["10.0.0.1"].Run(pipelinetest.Packet{InPort: tunnel, EthSrc: macB, EthDst: macC, EthType: ipv4,
		IPDst: net.IPv4(192, 168, 10, 3), TunID: 10, TunSrc: net.IPv4(10, 0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Outputs) != 0 {
		t.Errorf("a tunnel frame to a remote MAC was forwarded: %v", tr.Outputs)
	}
	if hit, _ := tr.Hit(TableEgress); Cookie(hit.Cookie).Feature() != FeatureEgressSplitHorizon {
		t.Errorf("egress hit %s, want egress-split-horizon", hit)
	}
}

func TestReplicationFlood(t *testing.T) {
	s := testState(testConfig(t, replication, vniNet(10, 1, "")), Port{Name: "a", OFPort: vm1, Tag: 1}, Port{Name: "b", OFPort: vm2, Tag: 1})
	r := mustBuild(t, s)
	sw := pipelinetest.New(r.Overlay, r.Groups)
	tr, err := sw.Run(frame(vm1, 0, macA, broadcast))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range tr.Outputs {
		got = append(got, fmt.Sprintf("%d %d %s", o.Port, o.TunID, o.TunDst))
	}
	want := []string{"3 0 0.0.0.0", "1 10 10.0.0.2", "1 10 10.0.0.3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("replicated broadcast: %q, want %q", got, want)
	}
	if len(r.Underlay) != 1 || Cookie(r.Underlay[0].Cookie).Feature() != FeatureUnderlayNormal {
		t.Errorf("replication mode underlay %v, want only the normal-switching flow", r.Underlay)
	}
}

func TestSubnetClassification(t *testing.T) {
	s := testState(testConfig(t, multicast,
		vniNet(10, 0, "239.1.1.1", "192.168.10.0/24"), vniNet(20, 2, "239.1.1.2", "192.168.20.0/24")),
		Port{Name: "plain", OFPort: vm1}, Port{Name: "access", OFPort: vm2, Tag: 2})
	r := mustBuild(t, s)
	sw := pipelinetest.New(r.Overlay, r.Groups)
	tests := []struct {
		name    string
		p       pipelinetest.Packet
		wantDst string // group the frame is flooded to; "" = dropped
		wantVNI uint64
		wantOut []uint32
	}{
		{"IPv4 to VNI 10's subnet", pipelinetest.Packet{InPort: vm1, EthSrc: macA, EthDst: broadcast, EthType: 0x0800, IPDst: net.IPv4(192, 168, 10, 7)}, "239.1.1.1", 10, []uint32{tunnel}},
		{"ARP for VNI 20's subnet", pipelinetest.Packet{InPort: vm1, EthSrc: macA, EthDst: broadcast, EthType: 0x0806, IPDst: net.IPv4(192, 168, 20, 7)}, "239.1.1.2", 20, []uint32{vm2, tunnel}},
		{"IPv4 elsewhere", pipelinetest.Packet{InPort: vm1, EthSrc: macA, EthDst: broadcast, EthType: 0x0800, IPDst: net.IPv4(10, 9, 9, 9)}, "", 0, nil},
		{"tagged", pipelinetest.Packet{InPort: vm1, VLAN: 2, EthSrc: macA, EthDst: broadcast, EthType: 0x0800, IPDst: net.IPv4(192, 168, 10, 7)}, "", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := sw.Run(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if got := tr.Ports(); !reflect.DeepEqual(got, tt.wantOut) {
				t.Fatalf("reached ports %v, want %v", got, tt.wantOut)
			}
			if tt.wantDst == "" {
				return
			}
			o := tr.Outputs[len(tr.Outputs)-1]
			if o.TunDst.String() != tt.wantDst || o.TunID != tt.wantVNI {
				t.Errorf("tunnel copy %v, want tun_id %d to %s", o, tt.wantVNI, tt.wantDst)
			}
		})
	}
	// Traffic from the tunnel in VNI 10 reaches the untagged port, untagged.
	tr, err := sw.Run(pipelinetest.Packet{InPort: tunnel, EthSrc: macC, EthDst: broadcast, EthType: 0x0806, IPDst: net.IPv4(192, 168, 10, 1), TunID: 10, TunSrc: net.IPv4(10, 0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Outputs) != 1 || tr.Outputs[0].Port != vm1 || tr.Outputs[0].VLAN != 0 {
		t.Errorf("VNI 10 from the tunnel reached %v, want port %d untagged", tr.Outputs, vm1)
	}
}
