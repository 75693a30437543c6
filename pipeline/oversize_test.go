package pipeline

import (
	"reflect"
	"testing"
)

// twoVTEPsMTU is two VTEPs on a 1500-byte underlay: on 10.0.0.1 an access
// port of VLAN 1 and a trunk carrying VLAN 1, on 10.0.0.3 one access port,
// all in VNI 10.
func twoVTEPsMTU(t *testing.T) *fabric {
	n10 := vniNet(10, 1, "239.1.1.1")
	return newFabric(t, map[string]State{
		"10.0.0.1": withUnderlayMTU(testState(vtepConfig(t, "10.0.0.1", n10),
			Port{Name: "a1", OFPort: vm1, Tag: 1, MTU: 1500}, Port{Name: "t1", OFPort: vm2, Trunks: []uint16{1}, MTU: 1500}), 1500),
		"10.0.0.3": withUnderlayMTU(testState(vtepConfig(t, "10.0.0.3", n10),
			Port{Name: "a3", OFPort: vm1, Tag: 1}), 1500),
	})
}

func TestOversizeDroppedBeforeTheTunnel(t *testing.T) {
	f := twoVTEPsMTU(t)
	f.send("10.0.0.3", frame(vm1, 0, macC, broadcast)) // 10.0.0.1 learns macC behind 10.0.0.3
	remote := []hop{{"10.0.0.3", vm1, 0}}
	for _, tt := range []struct {
		name string
		in   uint32
		vlan uint16
		len  int
		want []hop
	}{
		{"untagged 1450 bytes of IP", vm1, 0, 1464, remote},
		{"untagged 1451 bytes of IP", vm1, 0, 1465, nil},
		{"untagged 1500 bytes of IP", vm1, 0, 1514, nil},
		{"tagged 1450 bytes of IP (tag popped first)", vm2, 1, 1468, remote},
		{"tagged 1500 bytes of IP", vm2, 1, 1518, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := frame(tt.in, tt.vlan, macA, macC)
			p.Len = tt.len
			got := f.send("10.0.0.1", p)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("reached %v, want %v", got, tt.want)
			}
			tr, err := f.vteps["10.0.0.1"].Run(p)
			if err != nil {
				t.Fatal(err)
			}
			hit, ok := tr.Hit(TableTunnelOut)
			if !ok {
				t.Fatalf("table tunnel-out not reached: %v", tr.Flows)
			}
			wantFeature := FeatureTunnelOut
			if tt.want == nil {
				wantFeature = FeatureDropOversize
			}
			if got := Cookie(hit.Cookie).Feature(); got != wantFeature {
				t.Errorf("tunnel-out hit %s, want %s", got, wantFeature)
			}
		})
	}
	// Local delivery is not limited: the underlay MTU is about the tunnel.
	p := frame(vm1, 0, macA, broadcast)
	p.Len = 1514
	if got := f.send("10.0.0.1", p); len(got) == 0 {
		t.Error("a large broadcast reached no port")
	}
}

func TestOversizeDropReason(t *testing.T) {
	if got := FeatureDropOversize.DropReason(); got != "oversize" {
		t.Errorf("drop reason %q, want oversize", got)
	}
	if got := FeatureDropOversize.String(); got != "drop-oversize" {
		t.Errorf("feature %q, want drop-oversize", got)
	}
}

func TestNoOversizeCheckWithoutUnderlayMTU(t *testing.T) {
	r := mustBuild(t, testState(testConfig(t, multicast, vniNet(10, 1, "239.1.1.1")), Port{Name: "vm1", OFPort: vm1, Tag: 1, MTU: 1500}))
	for _, f := range r.Overlay {
		if f.Table == TableTunnelOut {
			t.Errorf("flow %s in tunnel-out without an underlay MTU", f)
		}
	}
}

// Floods are checked too: a broadcast too long for the tunnel still
// reaches the local ports of its VNI, but not the other VTEP, and is
// counted by flood-out's drop; one that fits crosses.
func TestOversizeFloodChecked(t *testing.T) {
	f := twoVTEPsMTU(t)
	for _, tt := range []struct {
		name string
		len  int
		want []hop
	}{
		{"1450 bytes of IP", 1464, []hop{{"10.0.0.1", vm2, 1}, {"10.0.0.3", vm1, 0}}},
		{"1451 bytes of IP", 1465, []hop{{"10.0.0.1", vm2, 1}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := frame(vm1, 0, macA, broadcast)
			p.Len = tt.len
			if got := f.send("10.0.0.1", p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("reached %v, want %v", got, tt.want)
			}
			tr, err := f.vteps["10.0.0.1"].Run(p)
			if err != nil {
				t.Fatal(err)
			}
			hit, ok := tr.Hit(TableFloodOut)
			wantFeature := FeatureFloodOut
			if len(tt.want) == 1 {
				wantFeature = FeatureDropOversize
			}
			if !ok || Cookie(hit.Cookie).Feature() != wantFeature {
				t.Errorf("flood-out hit %v (%v), want %s", hit, ok, wantFeature)
			}
		})
	}
}
