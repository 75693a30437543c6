package evpn

import (
	"errors"
	"net"
	"net/netip"
	"testing"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

var (
	rid   = netip.MustParseAddr("10.0.0.1")
	mac1  = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0a}
	byRT  = map[string]uint32{"65000:10": 10, "65000:20": 20}
	vtep2 = netip.MustParseAddr("10.0.0.2")
)

// roundTrip puts a local route through the wire format (NLRI and each
// path attribute serialized and decoded back) and parses it.
func roundTrip(t *testing.T) func(bgp.NLRI, []bgp.PathAttributeInterface, error) (Route, error) {
	return func(nlri bgp.NLRI, attrs []bgp.PathAttributeInterface, err error) (Route, error) {
		t.Helper()
		return wire(t, nlri, attrs, err)
	}
}

func wire(t *testing.T, nlri bgp.NLRI, attrs []bgp.PathAttributeInterface, err error) (Route, error) {
	t.Helper()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	buf, err := nlri.Serialize()
	if err != nil {
		t.Fatalf("serialize NLRI: %v", err)
	}
	n, err := bgp.NLRIFromSlice(bgp.RF_EVPN, buf)
	if err != nil {
		t.Fatalf("decode NLRI: %v", err)
	}
	var decoded []bgp.PathAttributeInterface
	for _, a := range attrs {
		b, err := a.Serialize()
		if err != nil {
			t.Fatalf("serialize %s: %v", a, err)
		}
		d, err := bgp.GetPathAttribute(b)
		if err != nil {
			t.Fatalf("attribute type: %v", err)
		}
		if err := d.DecodeFromBytes(b); err != nil {
			t.Fatalf("decode %s: %v", a, err)
		}
		decoded = append(decoded, d)
	}
	return parseRoute(n, decoded, byRT)
}

func TestMACRouteRoundTrip(t *testing.T) {
	l, err := newLocal(Network{VNI: 10}, rid, rid, 65000)
	if err != nil {
		t.Fatal(err)
	}
	ip := netip.MustParseAddr("192.168.10.1")
	r, err := roundTrip(t)(l.macRoute(10, mac1, ip, 7, false))
	if err != nil {
		t.Fatal(err)
	}
	if r.Type != TypeMAC || r.VNI != 10 || r.MAC.String() != mac1.String() || r.IP != ip || r.VTEP != rid || r.Seq != 7 || r.RD != "10.0.0.1:10" {
		t.Errorf("got %+v", r)
	}
	// no MAC mobility community at sequence 0, as FRR
	nlri, attrs, err := l.macRoute(10, mac1, netip.Addr{}, 0, false)
	for _, a := range attrs {
		if ec, ok := a.(*bgp.PathAttributeExtendedCommunities); ok {
			for _, c := range ec.Value {
				if _, mm := c.(*bgp.MacMobilityExtended); mm {
					t.Error("sequence 0 carries a MAC mobility community")
				}
			}
		}
	}
	if r, err = wire(t, nlri, attrs, err); err != nil || r.IP.IsValid() || r.Seq != 0 {
		t.Errorf("MAC-only route: %+v, %v", r, err)
	}
}

func TestIMETRouteRoundTrip(t *testing.T) {
	l, err := newLocal(Network{VNI: 20, RD: "65000:99"}, rid, rid, 65000)
	if err != nil {
		t.Fatal(err)
	}
	r, err := roundTrip(t)(l.imetRoute(20))
	if err != nil {
		t.Fatal(err)
	}
	if r.Type != TypeIMET || r.VNI != 20 || r.VTEP != rid || r.RD != "65000:99" {
		t.Errorf("got %+v", r)
	}
}

// Routes vtep cannot use are refused with ErrRoute, never half-read.
func TestParseRouteRefuses(t *testing.T) {
	rd, _ := bgp.ParseRouteDistinguisher("10.0.0.2:10")
	rt, _ := bgp.ParseRouteTarget("65000:10")
	otherRT, _ := bgp.ParseRouteTarget("65000:77")
	vxlan := bgp.NewEncapExtended(bgp.TUNNEL_TYPE_VXLAN)
	mpls := bgp.NewEncapExtended(bgp.TUNNEL_TYPE_MPLS)
	macNLRI := func(label uint32) bgp.NLRI {
		n, err := bgp.NewEVPNMacIPAdvertisementRoute(rd, bgp.EthernetSegmentIdentifier{}, 0, mac1.String(), netip.Addr{}, []uint32{label})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	attrs := func(nh string, comms ...bgp.ExtendedCommunityInterface) []bgp.PathAttributeInterface {
		a, err := bgp.NewPathAttributeNextHop(netip.MustParseAddr(nh))
		if err != nil {
			t.Fatal(err)
		}
		return []bgp.PathAttributeInterface{a, bgp.NewPathAttributeExtendedCommunities(comms)}
	}
	imet, err := bgp.NewEVPNMulticastEthernetTagRoute(rd, 0, vtep2)
	if err != nil {
		t.Fatal(err)
	}
	replID, err := bgp.NewIngressReplTunnelID(vtep2)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		nlri  bgp.NLRI
		attrs []bgp.PathAttributeInterface
	}{
		{"unknown route target and VNI", macNLRI(77), attrs("10.0.0.2", otherRT, vxlan)},
		{"MPLS encapsulation", macNLRI(10), attrs("10.0.0.2", rt, mpls)},
		{"multicast next hop", macNLRI(10), attrs("239.1.1.1", rt, vxlan)},
		{"unspecified next hop", macNLRI(10), attrs("0.0.0.0", rt, vxlan)},
		{"loopback next hop", macNLRI(10), attrs("127.0.0.1", rt, vxlan)},
		{"type 3 without PMSI", imet, attrs("10.0.0.2", rt, vxlan)},
		{"type 3 with a non-ingress PMSI", imet, append(attrs("10.0.0.2", rt, vxlan),
			bgp.NewPathAttributePmsiTunnel(bgp.PMSI_TUNNEL_TYPE_PIM_SM_TREE, false, 10, replID))},
		{"type 1", bgp.NewEVPNEthernetAutoDiscoveryRoute(rd, bgp.EthernetSegmentIdentifier{}, 0, 10), attrs("10.0.0.2", rt, vxlan)},
	}
	for _, c := range cases {
		if r, err := parseRoute(c.nlri, c.attrs, byRT); !errors.Is(err, ErrRoute) {
			t.Errorf("%s: got %+v, %v; want ErrRoute", c.name, r, err)
		}
	}
	// The label names a local network when no route target matches
	// (RFC 8365 §5.1.3).
	r, err := parseRoute(macNLRI(20), attrs("10.0.0.2", otherRT, vxlan), byRT)
	if err != nil || r.VNI != 20 || r.VTEP != vtep2 {
		t.Errorf("label fallback: %+v, %v", r, err)
	}
}
