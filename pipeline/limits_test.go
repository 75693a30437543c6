package pipeline

import (
	"net"
	"testing"

	"github.com/vtep/vtep/pipeline/pipelinetest"
)

func countFeature(sw *pipelinetest.Switch, table uint8, f Feature, vni uint32) int {
	n := 0
	for _, fl := range sw.Flows(table) {
		if c := Cookie(fl.Cookie); c.Feature() == f && c.VNI() == vni {
			n++
		}
	}
	return n
}

// TestMACLimit floods VNI 10 (max_macs 5) with new source MACs from one
// port of 10.0.0.1: each VTEP learns 5 of them, the rest still flood and
// are counted in mac-limit; MACs already learned keep working and are
// refreshed; VNI 20, without a limit, learns everything.
func TestMACLimit(t *testing.T) {
	n10, n20 := limited(vniNet(10, 1, "239.1.1.1"), 5), vniNet(20, 2, "239.1.1.1")
	f := newFabric(t, map[string]State{
		"10.0.0.1": testState(vtepConfig(t, "10.0.0.1", n10, n20),
			Port{Name: "a1", OFPort: vm1, Tag: 1}, Port{Name: "b1", OFPort: vm3, Tag: 2}),
		"10.0.0.3": testState(vtepConfig(t, "10.0.0.3", n10, n20),
			Port{Name: "a3", OFPort: vm1, Tag: 1}, Port{Name: "b3", OFPort: vm2, Tag: 2}),
	})
	mac := func(i int) net.HardwareAddr { return net.HardwareAddr{0x02, 0xee, 0, 0, byte(i >> 8), byte(i)} }
	for i := range 20 {
		if got := f.send("10.0.0.1", frame(vm1, 0, mac(i), broadcast)); len(got) != 1 {
			t.Fatalf("frame %d beyond the limit reached %v, want a3 (flooded)", i, got)
		}
		f.send("10.0.0.1", frame(vm3, 0, mac(i), broadcast))
	}
	for ip, sw := range f.vteps {
		local, remote := countFeature(sw, TableMAC, FeatureLearnedLocal, 10), countFeature(sw, TableMAC, FeatureLearnedRemote, 10)
		if local+remote != 5 {
			t.Errorf("%s learned %d local + %d remote MACs in VNI 10, want 5", ip, local, remote)
		}
		if n := countFeature(sw, TableMAC, FeatureLearnedLocal, 20) + countFeature(sw, TableMAC, FeatureLearnedRemote, 20); n != 20 {
			t.Errorf("%s learned %d MACs in VNI 20 (no limit), want 20", ip, n)
		}
	}
	if counted := refusedFrames(f.vteps["10.0.0.3"], 10); counted != 15 {
		t.Errorf("10.0.0.3 counted %d refused frames in VNI 10, want 15", counted)
	}
	// A learned MAC is still reached; an unlearned one floods.
	f.send("10.0.0.1", frame(vm1, 0, mac(2), broadcast))
	if got := f.send("10.0.0.3", frame(vm1, 0, macC, mac(2))); len(got) != 1 || got[0].VTEP != "10.0.0.1" || len(f.tunnel) != 1 || f.tunnel[0].TunDst.IsMulticast() {
		t.Errorf("unicast to a learned MAC reached %v via %v, want a1 by unicast tunnel", got, f.tunnel)
	}
	if f.send("10.0.0.3", frame(vm1, 0, macC, mac(12))); len(f.tunnel) != 1 || !f.tunnel[0].TunDst.IsMulticast() {
		t.Errorf("unicast to an unlearned MAC went %v, want flooded to the group", f.tunnel)
	}
}

// refusedFrames counts the frames of vni whose source was not learned
// because of its limit: refused by a learn action (mac-limit) or forwarded
// from a place that paused learning (learning-paused).
func refusedFrames(sw *pipelinetest.Switch, vni uint32) int {
	n := 0
	for _, table := range []uint8{TableTunnelIn, TableLocalIn, TableMACLimit} {
		for _, fl := range sw.Flows(table) {
			if c := Cookie(fl.Cookie); c.VNI() == vni && (c.Feature() == FeatureMACLimit || c.Feature() == FeatureLearningPaused) {
				n += sw.Packets(fl.Key())
			}
		}
	}
	return n
}

func TestLocalLimitPerPort(t *testing.T) {
	d := maxPerPort(vtepConfig(t, "10.0.0.1", limited(vniNet(10, 1, "239.1.1.1"), 100)), 3)
	r := mustBuild(t, testState(d, Port{Name: "a1", OFPort: vm1, Tag: 1}, Port{Name: "a2", OFPort: vm2, Tag: 1}))
	sw := pipelinetest.New(r.Overlay, r.Groups)
	for i := range 10 {
		for _, in := range []uint32{vm1, vm2} {
			if _, err := sw.Run(frame(in, 0, net.HardwareAddr{0x02, byte(in), 0, 0, 0, byte(i)}, broadcast)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := countFeature(sw, TableMAC, FeatureLearnedLocal, 10); n != 6 {
		t.Errorf("learned %d local MACs on two ports with max_macs_per_port 3, want 6", n)
	}
}
