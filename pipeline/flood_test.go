package pipeline

import (
	"net"
	"reflect"
	"testing"

	"github.com/vtep/vtep/pipeline/pipelinetest"
)

// TestFloodNeverNamesInputPort: a broadcast from each local port reaches
// every other local port of its VNI and the tunnel, and no flood action
// names its input port (OVS would skip it and log the skip).
func TestFloodNeverNamesInputPort(t *testing.T) {
	for _, mode := range []floodMode{multicast, replication} {
		n10 := vniNet(10, 1, "239.1.1.1")
		n20 := vniNet(20, 2, "239.1.1.2")
		r := mustBuild(t, testState(testConfig(t, mode, n10, n20),
			Port{Name: "a", OFPort: vm1, Tag: 1}, Port{Name: "b", OFPort: vm2, Tag: 1},
			Port{Name: "c", OFPort: vm3, Trunks: []uint16{1, 2}}))
		sw := pipelinetest.New(r.Overlay, r.Groups)
		ports := []uint32{vm1, vm2, vm3}
		for _, in := range ports {
			vlan := uint16(0)
			if in == vm3 {
				vlan = 1
			}
			tr, err := sw.Run(frame(in, vlan, macA, broadcast))
			if err != nil {
				t.Fatal(err)
			}
			var want []uint32
			for _, p := range ports {
				if p != in {
					want = append(want, p)
				}
			}
			got := map[uint32]bool{}
			tunnelCopies := 0
			for _, o := range tr.Outputs {
				if o.Port == tunnel {
					tunnelCopies++
					continue
				}
				got[o.Port] = true
			}
			for _, p := range want {
				if !got[p] {
					t.Errorf("mode %v: broadcast from port %d missed port %d: %v", mode, in, p, tr.Outputs)
				}
			}
			if got[in] || len(tr.Skipped) != 0 {
				t.Errorf("mode %v: broadcast from port %d named its input port (skipped %v)", mode, in, tr.Skipped)
			}
			if tunnelCopies == 0 {
				t.Errorf("mode %v: broadcast from port %d never reached the tunnel", mode, in)
			}
		}
		tr, err := sw.Run(pipelinetest.Packet{InPort: tunnel, EthSrc: macC, EthDst: broadcast, EthType: ipv4,
			IPDst: net.IPv4(192, 168, 10, 1), TunID: 10, TunSrc: net.IPv4(10, 0, 0, 3)})
		if err != nil {
			t.Fatal(err)
		}
		if got := tr.Ports(); !reflect.DeepEqual(got, ports) || len(tr.Skipped) != 0 {
			t.Errorf("mode %v: broadcast from the tunnel reached %v (skipped %v), want %v", mode, got, tr.Skipped, ports)
		}
	}
}

// TestFloodFlowCount: a VNI with N local ports has N+1 flood flows (one per
// input port, one from the tunnel), a VNI without local ports one.
func TestFloodFlowCount(t *testing.T) {
	r := mustBuild(t, testState(testConfig(t, multicast, vniNet(10, 1, "239.1.1.1"), vniNet(20, 2, "239.1.1.2")),
		Port{Name: "a", OFPort: vm1, Tag: 1}, Port{Name: "b", OFPort: vm2, Tag: 1}, Port{Name: "c", OFPort: vm3, Tag: 1}))
	count := map[uint32]int{}
	for _, f := range r.Overlay {
		if f.Table == TableFlood {
			count[Cookie(f.Cookie).VNI()]++
		}
	}
	if count[10] != 4 || count[20] != 1 {
		t.Errorf("flood flows per VNI %v, want 10:4 20:1", count)
	}
}
