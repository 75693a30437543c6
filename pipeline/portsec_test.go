package pipeline

import (
	"net"
	"reflect"
	"slices"
	"testing"

	"github.com/vtep/vtep/pipeline/pipelinetest"
)

// securedFabric is threeVTEPs with port security on 10.0.0.1: a1 (vm1)
// allows macA only; a2 (vm2) and b1 (vm3) are not secured.
func securedFabric(t *testing.T, a1 Port) *fabric {
	n10, n20 := vniNet(10, 1, "239.1.1.1"), vniNet(20, 2, "239.1.1.1")
	return newFabric(t, map[string]State{
		"10.0.0.1": testState(vtepConfig(t, "10.0.0.1", n10, n20),
			a1, Port{Name: "a2", OFPort: vm2, Tag: 1}, Port{Name: "b1", OFPort: vm3, Tag: 2}),
		"10.0.0.3": testState(vtepConfig(t, "10.0.0.3", n10), Port{Name: "a3", OFPort: vm1, Tag: 1}),
	})
}

func tables(f *fabric) map[string][]string {
	out := map[string][]string{}
	for ip, sw := range f.vteps {
		out[ip] = learnedMACs(sw)
		slices.Sort(out[ip])
	}
	return out
}

// dropped runs p into sw and reports whether drop-port-security dropped it.
func droppedByPortSecurity(t *testing.T, sw *pipelinetest.Switch, p pipelinetest.Packet) bool {
	t.Helper()
	tr, err := sw.Run(p)
	if err != nil {
		t.Fatal(err)
	}
	last := tr.Flows[len(tr.Flows)-1]
	return len(tr.Outputs) == 0 && Cookie(last.Cookie).Feature() == FeatureDropPortSecurity && sw.Packets(last.Key()) > 0
}

func TestPortSecurity(t *testing.T) {
	f := securedFabric(t, Port{Name: "a1", OFPort: vm1, Tag: 1, Secured: true, AllowedMACs: []net.HardwareAddr{macA}})
	sw := f.vteps["10.0.0.1"]
	// Before a1 says anything, unicast to macA goes to a1 only: a static entry.
	if got := f.send("10.0.0.1", frame(vm2, 0, macB, macA)); !reflect.DeepEqual(got, []hop{{"10.0.0.1", vm1, 0}}) || len(f.tunnel) != 0 {
		t.Errorf("unicast to the secured MAC reached %v (tunnel %v), want a1 only", got, f.tunnel)
	}
	// a1 from its own MAC: forwarded and learned.
	if got := f.send("10.0.0.1", frame(vm1, 0, macA, broadcast)); len(got) != 2 {
		t.Errorf("a1's broadcast reached %v, want a2 and a3", got)
	}
	before := tables(f)
	// a1 from another MAC; a2 and the tunnel claiming macA: all dropped and counted, nothing changes.
	if !droppedByPortSecurity(t, sw, frame(vm1, 0, macC, broadcast)) {
		t.Errorf("a1 sending from macC was not dropped by drop-port-security")
	}
	if !droppedByPortSecurity(t, sw, frame(vm2, 0, macA, broadcast)) {
		t.Errorf("a2 sending from a1's secured macA was not dropped by drop-port-security")
	}
	if !droppedByPortSecurity(t, sw, tunnelFrame("10.0.0.3", macA)) {
		t.Errorf("a tunnel frame from macA was not dropped by drop-port-security")
	}
	if got := tables(f); !reflect.DeepEqual(got, before) {
		t.Errorf("MAC tables changed:\n got %v\nwant %v", got, before)
	}
	// Unicast to macA still reaches a1, from the tunnel too.
	tr, err := sw.Run(pipelinetest.Packet{InPort: tunnel, EthSrc: macC, EthDst: macA, EthType: ipv4, TunID: 10, TunSrc: net.IPv4(10, 0, 0, 3)})
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Ports(); !reflect.DeepEqual(got, []uint32{vm1}) {
		t.Errorf("tunnel unicast to macA reached %v, want [%d]", got, vm1)
	}
	// macA in another VNI is not secured there.
	if droppedByPortSecurity(t, sw, frame(vm3, 0, macA, broadcast)) {
		t.Errorf("macA in VNI 20 was dropped; it is secured in VNI 10 only")
	}
}

func TestPortSecurityEdgeCases(t *testing.T) {
	// Secured with nothing allowed: every frame of the port is dropped.
	f := securedFabric(t, Port{Name: "a1", OFPort: vm1, Tag: 1, Secured: true})
	for _, src := range []net.HardwareAddr{macA, macB} {
		if !droppedByPortSecurity(t, f.vteps["10.0.0.1"], frame(vm1, 0, src, broadcast)) {
			t.Errorf("port secured with no MAC: frame from %s not dropped", src)
		}
	}
	// Two ports allowing the same MAC: both may send from it, neither holds it statically.
	n10 := vniNet(10, 1, "239.1.1.1")
	r := mustBuild(t, testState(vtepConfig(t, "10.0.0.1", n10),
		Port{Name: "a1", OFPort: vm1, Tag: 1, Secured: true, AllowedMACs: []net.HardwareAddr{macA}},
		Port{Name: "a2", OFPort: vm2, Tag: 1, Secured: true, AllowedMACs: []net.HardwareAddr{macA, macB}}))
	sw := pipelinetest.New(r.Overlay, r.Groups)
	for _, in := range []uint32{vm1, vm2} {
		if droppedByPortSecurity(t, sw, frame(in, 0, macA, broadcast)) {
			t.Errorf("port %d sending from shared macA was dropped", in)
		}
	}
	for _, fl := range r.Overlay {
		if Cookie(fl.Cookie).Feature() == FeatureMACStatic && fl.Match.String() != "dl_dst=02:00:00:00:00:0b,reg0=0xa/0xffffff" {
			t.Errorf("static entry %s; want only macB's (macA is claimed twice)", fl)
		}
	}
	// A group MAC cannot be allowed.
	_, err := Build(testState(vtepConfig(t, "10.0.0.1", n10), Port{Name: "a1", OFPort: vm1, Tag: 1, Secured: true, AllowedMACs: []net.HardwareAddr{broadcast}}))
	if se, ok := err.(*StateError); !ok || se.Field != "Ports[a1].AllowedMACs" {
		t.Errorf("Build with a broadcast allowed MAC = %v, want a StateError naming Ports[a1].AllowedMACs", err)
	}
}
