package pipeline

import (
	"net"
	"testing"

	"github.com/vtep/vtep/pipeline/pipelinetest"
)

// TestInvalidSourceDroppedNotLearned sends frames with a multicast,
// broadcast or all-zero source MAC from a local port, a trunk and the
// tunnel: each is dropped in classify by drop-invalid-source and counted,
// nothing is learned, nothing leaves. Group sources are dropped in
// classify; the all-zero source, which source-check marks, in tunnel-in or
// local-in.
func TestInvalidSourceDroppedNotLearned(t *testing.T) {
	f := threeVTEPs(t)
	sources := map[string]net.HardwareAddr{
		"multicast": {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03},
		"broadcast": broadcast,
		"all-zero":  {0, 0, 0, 0, 0, 0},
		"group bit": {0x03, 0, 0, 0, 0, 0x0a},
	}
	for name, src := range sources {
		for _, in := range []struct {
			vtep string
			p    pipelinetest.Packet
		}{
			{"10.0.0.1", frame(vm1, 0, src, broadcast)},
			{"10.0.0.2", frame(vm1, 5, src, macA)},
			{"10.0.0.3", tunnelFrame("10.0.0.1", src)},
		} {
			sw := f.vteps[in.vtep]
			tr, err := sw.Run(in.p)
			if err != nil {
				t.Fatal(err)
			}
			hit := tr.Flows[len(tr.Flows)-1]
			if len(tr.Outputs) != 0 || Cookie(hit.Cookie).Feature() != FeatureDropInvalidSource || (src[0]&1 != 0) != (len(tr.Flows) == 1) {
				t.Errorf("%s source on %s port %d: outputs %v, flows %v; want dropped by drop-invalid-source", name, in.vtep, in.p.InPort, tr.Outputs, tr.Flows)
			}
			if n := sw.Packets(hit.Key()); n == 0 {
				t.Errorf("%s source on %s: the drop flow counted nothing", name, in.vtep)
			}
		}
	}
	for ip, sw := range f.vteps {
		if got := learnedMACs(sw); len(got) != 0 {
			t.Errorf("%s learned invalid sources: %v", ip, got)
		}
	}
	// A unicast source is still learned and forwarded.
	if got := f.send("10.0.0.1", frame(vm1, 0, macA, broadcast)); len(got) != 3 {
		t.Errorf("valid frame reached %v, want 3 ports", got)
	}
}

// TestStackedVLANDropped sends frames with a second tag behind the first
// (QinQ: 802.1Q or 802.1ad inside) on a trunk: dropped by
// drop-stacked-vlan and counted, not learned, while single-tagged frames
// of the same VLAN pass.
func TestStackedVLANDropped(t *testing.T) {
	f := threeVTEPs(t)
	sw := f.vteps["10.0.0.2"]
	for _, inner := range []uint16{0x8100, 0x88a8} {
		p := frame(vm1, 5, macA, broadcast)
		p.EthType = inner
		tr, err := sw.Run(p)
		if err != nil {
			t.Fatal(err)
		}
		hit, _ := tr.Hit(TableClassify)
		if len(tr.Outputs) != 0 || Cookie(hit.Cookie).Feature() != FeatureDropStackedVLAN || sw.Packets(hit.Key()) != 1 {
			t.Errorf("VLAN 5 then 0x%04x: outputs %v, flows %v; want dropped once by drop-stacked-vlan", inner, tr.Outputs, tr.Flows)
		}
	}
	if got := learnedMACs(sw); len(got) != 0 {
		t.Errorf("stacked frames were learned: %v", got)
	}
	if got := f.send("10.0.0.2", frame(vm1, 5, macA, broadcast)); len(got) != 3 {
		t.Errorf("single-tagged frame reached %v, want 3 ports", got)
	}
}
