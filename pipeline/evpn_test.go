package pipeline

import (
	"errors"
	"net"
	"net/netip"
	"reflect"
	"sort"
	"testing"

	"github.com/vtep/vtep/pipeline/pipelinetest"
)

// evpnNet is VNI 10 on VLAN 1 served by EVPN: VTEPs 10.0.0.2 and 10.0.0.3
// announced it, macB is behind 10.0.0.2.
func evpnNet() Network {
	n := vniNet(10, 1, "")
	n.EVPN = true
	n.FloodVTEPs = []netip.Addr{netip.MustParseAddr("10.0.0.3"), netip.MustParseAddr("10.0.0.2")}
	n.RemoteMACs = []RemoteMAC{{MAC: macB, VTEP: netip.MustParseAddr("10.0.0.2")}}
	return n
}

func tunDsts(outs []pipelinetest.Output) []string {
	var out []string
	for _, o := range outs {
		if o.Port == tunnel {
			out = append(out, o.TunDst.String())
		}
	}
	sort.Strings(out)
	return out
}

func TestEVPNKnownUnicastAndFlood(t *testing.T) {
	// VNI 20 keeps flood-and-learn over its group in the same VTEP.
	s := testState(testConfig(t, multicast, evpnNet(), vniNet(20, 2, "239.1.1.2")),
		Port{Name: "vm1", OFPort: vm1, Tag: 1}, Port{Name: "vm2", OFPort: vm2, Tag: 2})
	r := mustBuild(t, s)
	sw := pipelinetest.New(r.Overlay, r.Groups)
	tr, err := sw.Run(pipelinetest.Packet{InPort: vm1, EthSrc: macA, EthDst: macB, EthType: ipv4, IPDst: net.IPv4(192, 168, 10, 2)})
	if err != nil {
		t.Fatal(err)
	}
	if got := tunDsts(tr.Outputs); !reflect.DeepEqual(got, []string{"10.0.0.2"}) || len(tr.Outputs) != 1 || tr.Outputs[0].TunID != 10 {
		t.Errorf("to a MAC known from BGP: %v; want one copy to 10.0.0.2 with VNI 10", tr.Outputs)
	}
	tr, err = sw.Run(pipelinetest.Packet{InPort: vm1, EthSrc: macA, EthDst: broadcast, EthType: ipv4, IPDst: net.IPv4(192, 168, 10, 255)})
	if err != nil {
		t.Fatal(err)
	}
	if got := tunDsts(tr.Outputs); !reflect.DeepEqual(got, []string{"10.0.0.2", "10.0.0.3"}) {
		t.Errorf("broadcast: tunnel copies to %v; want one per VTEP of the VNI (ingress replication)", got)
	}
	tr, err = sw.Run(pipelinetest.Packet{InPort: vm2, EthSrc: macC, EthDst: broadcast, EthType: ipv4, IPDst: net.IPv4(192, 168, 20, 255)})
	if err != nil {
		t.Fatal(err)
	}
	if got := tunDsts(tr.Outputs); !reflect.DeepEqual(got, []string{"239.1.1.2"}) {
		t.Errorf("flood-and-learn VNI 20 beside it: tunnel copies to %v; want its group", got)
	}
	if g := r.Groups; len(g) != 1 || g[0].ID != 10 {
		t.Errorf("groups %v: want one, VNI 10's", g)
	}
}

// In an EVPN network nothing is learned from the tunnel, and frames only
// come in from VTEPs BGP announced.
func TestEVPNTunnelNoLearningOnlyKnownVTEPs(t *testing.T) {
	r := mustBuild(t, testState(testConfig(t, multicast, evpnNet()), Port{Name: "vm1", OFPort: vm1, Tag: 1}))
	sw := pipelinetest.New(r.Overlay, r.Groups)
	tr, err := sw.Run(tunnelFrame("10.0.0.3", macC))
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Ports(); !reflect.DeepEqual(got, []uint32{vm1}) {
		t.Errorf("from an announced VTEP: reached %v, want [%d]", got, vm1)
	}
	for _, src := range []string{"10.0.0.66", "10.0.0.1"} {
		tr, err = sw.Run(tunnelFrame(src, macB))
		if err != nil {
			t.Fatal(err)
		}
		hit, _ := tr.Hit(TableTunnelIn)
		if len(tr.Outputs) != 0 || Cookie(hit.Cookie).Feature() != FeatureDropUntrustedVTEP {
			t.Errorf("from %s: outputs %v, tunnel-in hit %v; want dropped as untrusted", src, tr.Outputs, hit)
		}
	}
	if got := learnedMACs(sw); len(got) != 0 {
		t.Errorf("EVPN network learned from the tunnel: %v", got)
	}
	// A spoofed frame claiming macB from 10.0.0.3 moves nothing: the entry
	// stays at 10.0.0.2.
	if _, err := sw.Run(tunnelFrame("10.0.0.3", macB)); err != nil {
		t.Fatal(err)
	}
	tr, err = sw.Run(pipelinetest.Packet{InPort: vm1, EthSrc: macA, EthDst: macB, EthType: ipv4, IPDst: net.IPv4(192, 168, 10, 2)})
	if err != nil {
		t.Fatal(err)
	}
	if got := tunDsts(tr.Outputs); !reflect.DeepEqual(got, []string{"10.0.0.2"}) {
		t.Errorf("after a spoofed tunnel frame, macB goes to %v; want 10.0.0.2", got)
	}
}

// A MAC learned on a local port wins over the BGP entry (the VM moved
// here); the control plane then advertises it.
func TestEVPNLocalLearningBeatsRemote(t *testing.T) {
	r := mustBuild(t, testState(testConfig(t, multicast, evpnNet()), Port{Name: "vm1", OFPort: vm1, Tag: 1}, Port{Name: "vm2", OFPort: vm2, Tag: 1}))
	sw := pipelinetest.New(r.Overlay, r.Groups)
	if _, err := sw.Run(pipelinetest.Packet{InPort: vm2, EthSrc: macB, EthDst: broadcast, EthType: ipv4, IPDst: net.IPv4(192, 168, 10, 255)}); err != nil {
		t.Fatal(err)
	}
	tr, err := sw.Run(pipelinetest.Packet{InPort: vm1, EthSrc: macA, EthDst: macB, EthType: ipv4, IPDst: net.IPv4(192, 168, 10, 2)})
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Ports(); !reflect.DeepEqual(got, []uint32{vm2}) {
		t.Errorf("after macB spoke on vm2: reached %v, want [%d]", got, vm2)
	}
}

func TestEVPNBadInputRefused(t *testing.T) {
	bad := []func(*Network){
		func(n *Network) { n.FloodVTEPs = append(n.FloodVTEPs, netip.MustParseAddr("239.1.1.1")) },
		func(n *Network) { n.FloodVTEPs = append(n.FloodVTEPs, netip.MustParseAddr("::1")) },
		func(n *Network) {
			n.RemoteMACs = append(n.RemoteMACs, RemoteMAC{MAC: broadcast, VTEP: netip.MustParseAddr("10.0.0.2")})
		},
		func(n *Network) {
			n.RemoteMACs = append(n.RemoteMACs, RemoteMAC{MAC: macB, VTEP: netip.MustParseAddr("10.0.0.3")})
		},
		func(n *Network) { n.RemoteMACs = append(n.RemoteMACs, RemoteMAC{MAC: macC}) },
	}
	for i, f := range bad {
		n := evpnNet()
		f(&n)
		_, err := Build(testState(testConfig(t, multicast, n)))
		var se *StateError
		if !errors.As(err, &se) || !errors.Is(err, ErrState) {
			t.Errorf("case %d: err %v, want a *StateError", i, err)
		}
	}
}
