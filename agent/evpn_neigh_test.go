package agent

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/vtep/vtep/evpn"
	"github.com/vtep/vtep/pipeline"
)

// TestEVPNFillNeighbours: the bindings of received MAC+IP routes (IPv4
// and IPv6) become the EVPN network's static neighbours; MAC-only routes
// add none, and networks without EVPN get nothing.
func TestEVPNFillNeighbours(t *testing.T) {
	mac := func(s string) net.HardwareAddr { m, _ := net.ParseMAC(s); return m }
	vtep := netip.MustParseAddr("10.0.0.2")
	p := &evpnPlane{remote: map[uint32]evpn.Remote{10: {MACs: []evpn.Route{
		{Type: evpn.TypeMAC, VNI: 10, MAC: mac("02:00:00:00:00:0b"), IP: netip.MustParseAddr("192.168.10.2"), VTEP: vtep},
		{Type: evpn.TypeMAC, VNI: 10, MAC: mac("02:00:00:00:00:0c"), VTEP: vtep},
		{Type: evpn.TypeMAC, VNI: 10, MAC: mac("02:00:00:00:00:0d"), IP: netip.MustParseAddr("2001:db8::d"), VTEP: vtep},
	}}}}
	d := pipeline.Desired{Networks: []pipeline.Network{{VNI: 10, EVPN: true, ARPSuppression: pipeline.NeighLearned}, {VNI: 20}}}
	p.fill(&d)
	nb := d.Networks[0].Neighbours
	if len(nb) != 2 || nb[0].IP.String() != "192.168.10.2" || nb[0].MAC.String() != "02:00:00:00:00:0b" ||
		nb[1].IP.String() != "2001:db8::d" || nb[1].MAC.String() != "02:00:00:00:00:0d" {
		t.Errorf("EVPN network's neighbours = %v, want 192.168.10.2 at ...:0b and 2001:db8::d at ...:0d", nb)
	}
	if len(d.Networks[1].Neighbours) != 0 {
		t.Errorf("a network without EVPN got neighbours %v", d.Networks[1].Neighbours)
	}
}

// TestEVPNLocalMACsWithBindings: a local MAC with bindings in its network
// is advertised once per binding (MAC+IP, IPv6 too) instead of MAC-only;
// other MACs and other networks' bindings change nothing.
func TestEVPNLocalMACsWithBindings(t *testing.T) {
	mac := func(s string) net.HardwareAddr { m, _ := net.ParseMAC(s); return m }
	a, b := mac("02:00:00:00:00:0a"), mac("02:00:00:00:00:0b")
	locals := []evpn.LocalMAC{{VNI: 10, MAC: a}, {VNI: 10, MAC: b, Static: true}, {VNI: 20, MAC: a}}
	got := withBindings(locals, []pipeline.Binding{
		{VNI: 10, IP: netip.MustParseAddr("192.168.10.1"), MAC: a},
		{VNI: 10, IP: netip.MustParseAddr("192.168.10.5"), MAC: a},
		{VNI: 10, IP: netip.MustParseAddr("2001:db8::b"), MAC: b},
		{VNI: 30, IP: netip.MustParseAddr("192.168.30.2"), MAC: b},
	})
	var s []string
	for _, m := range got {
		s = append(s, fmt.Sprintf("%d/%s/%s/%v", m.VNI, m.MAC, m.IP, m.Static))
	}
	want := "10/02:00:00:00:00:0a/192.168.10.1/false 10/02:00:00:00:00:0a/192.168.10.5/false 10/02:00:00:00:00:0b/2001:db8::b/true 20/02:00:00:00:00:0a/invalid IP/false"
	if strings.Join(s, " ") != want {
		t.Errorf("withBindings =\n%s\nwant\n%s", strings.Join(s, " "), want)
	}
	if got := withBindings(locals, nil); len(got) != 3 {
		t.Errorf("no bindings changed the MACs: %v", got)
	}
}
