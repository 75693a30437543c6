package pipeline

import (
	"fmt"
	"net/netip"
	"testing"
)

// benchState is a large VTEP: 4,096 VNIs (4,094 on VLANs 1..4094, two
// classified by subnet) spread over 16 groups, and 8 trunk ports each
// carrying every VLAN.
func benchState(b *testing.B) State {
	var nets []Network
	for v := 1; v <= 4094; v++ {
		nets = append(nets, Network{VNI: uint32(100000 + v), VLAN: uint16(v),
			Group: netip.AddrFrom4([4]byte{239, 1, 0, byte(1 + v%16)})})
	}
	for i := range 2 {
		nets = append(nets, Network{VNI: uint32(200000 + i), Group: netip.MustParseAddr("239.1.0.1"),
			Subnets: []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{172, 16, byte(i), 0}), 24)}})
	}
	c := testConfig(b, multicast, nets...)
	all := make([]uint16, 4094)
	for i := range all {
		all[i] = uint16(i + 1)
	}
	var ports []Port
	for p := range 8 {
		ports = append(ports, Port{Name: fmt.Sprintf("vm%d", p), OFPort: uint32(10 + p), Trunks: all})
	}
	return testState(c, ports...)
}

// BenchmarkBuild measures Build on the large state. The "string" case is the
// baseline measured in the same run: printing every resulting flow once,
// the least work any builder that digests flow text must do. Compare
// ns/flow of the two.
func BenchmarkBuild(b *testing.B) {
	s := benchState(b)
	r, err := Build(s)
	if err != nil {
		b.Fatal(err)
	}
	flows := len(r.Overlay) + len(r.Underlay)
	b.Run("4096vni-8ports", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Build(s); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(flows), "flows/op")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(flows), "ns/flow")
	})
	b.Run("baseline-string", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			for _, f := range r.Overlay {
				n += len(f.String())
			}
			for _, f := range r.Underlay {
				n += len(f.String())
			}
		}
		b.ReportMetric(float64(flows), "flows/op")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(flows), "ns/flow")
		if n == 0 {
			b.Fatal("no output")
		}
	})
}
