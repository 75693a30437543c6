package pipeline

import (
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"reflect"
	"testing"

	"github.com/vtep/vtep/pipeline/pipelinetest"
)

// tunnelFrame is a broadcast from macSrc in VNI 10 received from outer source src.
func tunnelFrame(src string, macSrc net.HardwareAddr) pipelinetest.Packet {
	return pipelinetest.Packet{InPort: tunnel, EthSrc: macSrc, EthDst: broadcast, EthType: ipv4,
		IPDst: net.IPv4(192, 168, 10, 1), TunID: 10, TunSrc: net.ParseIP(src)}
}

func learnedMACs(sw *pipelinetest.Switch) []string {
	var out []string
	for _, f := range sw.Flows(TableMAC) {
		if Cookie(f.Cookie).Feature().Learned() {
			out = append(out, f.Match.String())
		}
	}
	return out
}

func TestUntrustedVTEPDroppedBeforeLearning(t *testing.T) {
	s := testState(trusted(testConfig(t, multicast, vniNet(10, 1, "239.1.1.1")), "10.0.0.2/32", "10.0.0.3/32", "10.0.8.0/24"),
		Port{Name: "vm1", OFPort: vm1, Tag: 1})
	r := mustBuild(t, s)
	sw := pipelinetest.New(r.Overlay, r.Groups)
	for _, src := range []string{"10.0.0.66", "10.0.0.4", "10.0.9.1", "192.0.2.1"} {
		tr, err := sw.Run(tunnelFrame(src, macA))
		if err != nil {
			t.Fatal(err)
		}
		hit, _ := tr.Hit(TableClassify)
		if len(tr.Outputs) != 0 || Cookie(hit.Cookie).Feature() != FeatureDropUntrustedVTEP || len(tr.Flows) != 1 {
			t.Errorf("from %s: outputs %v, flows %v; want dropped in classify by drop-untrusted-vtep", src, tr.Outputs, tr.Flows)
		}
	}
	if got := learnedMACs(sw); len(got) != 0 {
		t.Errorf("frames from untrusted VTEPs were learned: %v", got)
	}
	dropped := 0
	for _, f := range r.Overlay {
		if Cookie(f.Cookie).Feature() == FeatureDropUntrustedVTEP {
			dropped += sw.Packets(f.Key())
		}
	}
	if dropped != 4 {
		t.Errorf("drop-untrusted-vtep flows counted %d packets, want 4", dropped)
	}
	for _, src := range []string{"10.0.0.3", "10.0.8.77"} {
		tr, err := sw.Run(tunnelFrame(src, macB))
		if err != nil {
			t.Fatal(err)
		}
		if got := tr.Ports(); !reflect.DeepEqual(got, []uint32{vm1}) {
			t.Errorf("from trusted %s: reached %v, want [%d]", src, got, vm1)
		}
	}
	if got := learnedMACs(sw); len(got) != 1 {
		t.Errorf("frames from trusted VTEPs learned %v, want macB once", got)
	}
}

func TestTunnelSourcesOpenUnlessRestricted(t *testing.T) {
	d := testConfig(t, multicast, vniNet(10, 1, "239.1.1.1"))
	d.TrustedVTEPs = []netip.Prefix{netip.MustParsePrefix("10.0.0.2/32")} // listed but not restricted
	r := mustBuild(t, testState(d, Port{Name: "vm1", OFPort: vm1, Tag: 1}))
	sw := pipelinetest.New(r.Overlay, r.Groups)
	tr, err := sw.Run(tunnelFrame("10.0.0.66", macA))
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Ports(); !reflect.DeepEqual(got, []uint32{vm1}) || len(learnedMACs(sw)) != 1 {
		t.Errorf("open VTEP: reached %v, learned %v; want port %d and one MAC", got, learnedMACs(sw), vm1)
	}
	// Restricted with nothing trusted: every tunnel frame is dropped by one flow.
	d.TrustedVTEPs = nil
	d.RestrictVTEPs = true
	r = mustBuild(t, testState(d))
	n := 0
	for _, f := range r.Overlay {
		if Cookie(f.Cookie).Feature() == FeatureDropUntrustedVTEP {
			n++
			if f.Match.String() != "in_port=1" {
				t.Errorf("drop-all flow matches %s, want in_port=1", f.Match)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d drop-untrusted-vtep flows with nothing trusted, want 1", n)
	}
}

// TestUntrustedCoversComplement checks that the untrusted prefixes are
// disjoint, sorted and cover exactly the addresses no trusted prefix holds.
func TestUntrustedCoversComplement(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sets := [][]netip.Prefix{nil, {ipv4All}, {netip.MustParsePrefix("255.255.255.255/32")}, {netip.MustParsePrefix("0.0.0.0/32")}}
	for range 50 {
		var set []netip.Prefix
		for range rng.IntN(6) + 1 {
			a := netip.AddrFrom4([4]byte{10, 0, byte(rng.IntN(4)), byte(rng.IntN(256))})
			set = append(set, netip.PrefixFrom(a, 22+rng.IntN(11)).Masked())
		}
		sets = append(sets, set)
	}
	for _, set := range sets {
		un := untrusted(set)
		for i := 1; i < len(un); i++ {
			if un[i-1].Overlaps(un[i]) || un[i-1].Addr().Compare(un[i].Addr()) >= 0 {
				t.Fatalf("trusted %v: untrusted %v and %v overlap or are out of order", set, un[i-1], un[i])
			}
		}
		if len(un) > 32*len(set)+1 {
			t.Errorf("trusted %v: %d untrusted prefixes, want at most %d", set, len(un), 32*len(set)+1)
		}
		for range 2000 {
			var a netip.Addr
			if rng.IntN(2) == 0 {
				a = netip.AddrFrom4([4]byte{10, 0, byte(rng.IntN(4)), byte(rng.IntN(256))})
			} else {
				a = netip.AddrFrom4([4]byte{byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))})
			}
			in := 0
			for _, p := range un {
				if p.Contains(a) {
					in++
				}
			}
			ok := false
			for _, p := range set {
				ok = ok || p.Contains(a)
			}
			if ok && in != 0 || !ok && in != 1 {
				t.Fatalf("trusted %v: %s is trusted=%v but in %d untrusted prefixes", set, a, ok, in)
			}
		}
	}
}

func TestBuildRejectsBadTrustedVTEP(t *testing.T) {
	for _, p := range []string{"10.0.0.1/24", "2001:db8::/32"} {
		s := testState(trusted(testConfig(t, multicast, vniNet(10, 1, "239.1.1.1")), p))
		_, err := Build(s)
		var se *StateError
		if !errors.As(err, &se) || se.Field != "Desired.TrustedVTEPs[0]" || se.Value != p || !errors.Is(err, ErrState) {
			t.Errorf("Build with trusted %s = %v, want a StateError naming Desired.TrustedVTEPs[0]", p, err)
		}
	}
}
