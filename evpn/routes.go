package evpn

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// RouteType is an EVPN route type (RFC 7432 §7).
type RouteType uint8

// The route types vtep originates and uses.
const (
	// TypeMAC is a MAC/IP Advertisement route: a MAC (and maybe an IP)
	// of a network behind a VTEP.
	TypeMAC RouteType = 2
	// TypeIMET is an Inclusive Multicast Ethernet Tag route: a VTEP that
	// carries a network and wants its BUM traffic (ingress replication).
	TypeIMET RouteType = 3
)

// Route is one EVPN route of a network, as vtep uses it.
type Route struct {
	Type RouteType
	// VNI is the network: found by the route's route targets, else its
	// label (RFC 8365 §5.1.3).
	VNI uint32
	// RD is the route distinguisher, as printed ("10.0.0.1:10").
	RD string
	// MAC and IP are the advertised MAC and its IP address if bound
	// (type 2).
	MAC net.HardwareAddr
	IP  netip.Addr
	// VTEP is the tunnel end point: the next hop of a type-2 route, the
	// PMSI tunnel end point of a type-3 route.
	VTEP netip.Addr
	// Seq is the MAC mobility sequence number (type 2); Sticky a static
	// MAC that must not move.
	Seq    uint32
	Sticky bool
	// Peer is the BGP neighbour the route came from (invalid: local).
	Peer netip.Addr
}

// Key identifies a route: its type, network, MAC (type 2) and VTEP.
func (r Route) Key() string {
	if r.Type == TypeMAC {
		return fmt.Sprintf("2/%d/%s/%s/%s", r.VNI, r.MAC, r.IP, r.VTEP)
	}
	return fmt.Sprintf("3/%d/%s", r.VNI, r.VTEP)
}

// Network is an EVPN network of this VTEP: its VNI, route distinguisher
// and route target.
type Network struct {
	VNI uint32
	// RD is "IP:N" or "ASN:N"; empty: the automatic one (AutoRD).
	RD string
	// RT is "ASN:N"; empty: the automatic one, ASN:VNI (AutoRT).
	RT string
}

// AutoRD is the route distinguisher vtep derives for a network: the router
// ID and the VNI's low 16 bits, as FRR derives RD router-id:index.
func AutoRD(routerID netip.Addr, vni uint32) string {
	return fmt.Sprintf("%s:%d", routerID, vni&0xffff)
}

// AutoRT is the route target vtep derives for a network, as FRR does: the
// low 16 bits of the ASN, then the VNI (RFC 8365 §5.1.2.1).
func AutoRT(asn, vni uint32) string { return fmt.Sprintf("%d:%d", asn&0xffff, vni) }

// ErrRoute marks routes vtep cannot use (test with errors.Is).
var ErrRoute = errors.New("unusable EVPN route")

// local is what a route of this VTEP needs besides the route itself.
type local struct {
	rd      bgp.RouteDistinguisherInterface
	rt      bgp.ExtendedCommunityInterface
	localIP netip.Addr
}

func newLocal(n Network, routerID, localIP netip.Addr, asn uint32) (local, error) {
	rdText, rtText := n.RD, n.RT
	if rdText == "" {
		rdText = AutoRD(routerID, n.VNI)
	}
	if rtText == "" {
		rtText = AutoRT(asn, n.VNI)
	}
	rd, err := bgp.ParseRouteDistinguisher(rdText)
	if err != nil {
		return local{}, fmt.Errorf("evpn: VNI %d: route distinguisher %q: %w", n.VNI, rdText, err)
	}
	rt, err := bgp.ParseRouteTarget(rtText)
	if err != nil {
		return local{}, fmt.Errorf("evpn: VNI %d: route target %q: %w", n.VNI, rtText, err)
	}
	return local{rd: rd, rt: rt, localIP: localIP}, nil
}

// attrs are the path attributes of a local route: origin IGP, the VTEP as
// next hop (GoBGP sends it in MP_REACH_NLRI), the route target and the
// VXLAN encapsulation (RFC 8365 §5.1.3), plus extra ones.
func (l local) attrs(ext []bgp.ExtendedCommunityInterface, extra ...bgp.PathAttributeInterface) ([]bgp.PathAttributeInterface, error) {
	nh, err := bgp.NewPathAttributeNextHop(l.localIP)
	if err != nil {
		return nil, fmt.Errorf("evpn: next hop %s: %w", l.localIP, err)
	}
	comms := append([]bgp.ExtendedCommunityInterface{l.rt, bgp.NewEncapExtended(bgp.TUNNEL_TYPE_VXLAN)}, ext...)
	out := []bgp.PathAttributeInterface{
		bgp.NewPathAttributeOrigin(bgp.BGP_ORIGIN_ATTR_TYPE_IGP),
		nh,
		bgp.NewPathAttributeExtendedCommunities(comms),
	}
	return append(out, extra...), nil
}

// macRoute builds a type-2 route of this VTEP: MAC (with ip if valid) in
// network vni, sequence seq, sticky for a static MAC (no MAC mobility
// community when neither, as FRR).
func (l local) macRoute(vni uint32, mac net.HardwareAddr, ip netip.Addr, seq uint32, sticky bool) (bgp.NLRI, []bgp.PathAttributeInterface, error) {
	nlri, err := bgp.NewEVPNMacIPAdvertisementRoute(l.rd, bgp.EthernetSegmentIdentifier{}, 0, mac.String(), ip, []uint32{vni})
	if err != nil {
		return nil, nil, fmt.Errorf("evpn: type-2 route of %s in VNI %d: %w", mac, vni, err)
	}
	var ext []bgp.ExtendedCommunityInterface
	if seq > 0 || sticky {
		ext = append(ext, bgp.NewMacMobilityExtended(seq, sticky))
	}
	attrs, err := l.attrs(ext)
	return nlri, attrs, err
}

// imetRoute builds the type-3 route of network vni: this VTEP wants its BUM
// traffic by ingress replication (PMSI tunnel type 6, label = VNI).
func (l local) imetRoute(vni uint32) (bgp.NLRI, []bgp.PathAttributeInterface, error) {
	nlri, err := bgp.NewEVPNMulticastEthernetTagRoute(l.rd, 0, l.localIP)
	if err != nil {
		return nil, nil, fmt.Errorf("evpn: type-3 route of VNI %d: %w", vni, err)
	}
	id, err := bgp.NewIngressReplTunnelID(l.localIP)
	if err != nil {
		return nil, nil, fmt.Errorf("evpn: type-3 route of VNI %d: %w", vni, err)
	}
	attrs, err := l.attrs(nil, bgp.NewPathAttributePmsiTunnel(bgp.PMSI_TUNNEL_TYPE_INGRESS_REPL, false, vni, id))
	return nlri, attrs, err
}

// parseRoute reads a received EVPN route. byRT maps route targets
// ("65000:10") to the local networks' VNIs; a route is for the first local
// network one of its route targets names, else for the network its label
// names if that network is local (RFC 8365 §5.1.3), else it is not used
// (ErrRoute). Route types other than 2 and 3, non-VXLAN encapsulations and
// type-3 routes without an ingress replication PMSI tunnel are ErrRoute too.
func parseRoute(nlri bgp.NLRI, attrs []bgp.PathAttributeInterface, byRT map[string]uint32) (Route, error) {
	e, ok := nlri.(*bgp.EVPNNLRI)
	if !ok {
		return Route{}, fmt.Errorf("%w: not EVPN (%T)", ErrRoute, nlri)
	}
	var r Route
	var label uint32
	var nexthop netip.Addr
	var pmsi *bgp.PathAttributePmsiTunnel
	var rts []string
	for _, a := range attrs {
		switch a := a.(type) {
		case *bgp.PathAttributeMpReachNLRI:
			nexthop = a.Nexthop
		case *bgp.PathAttributeNextHop:
			nexthop = a.Value
		case *bgp.PathAttributePmsiTunnel:
			pmsi = a
		case *bgp.PathAttributeExtendedCommunities:
			for _, c := range a.Value {
				switch c := c.(type) {
				case *bgp.MacMobilityExtended:
					r.Seq, r.Sticky = c.Sequence, c.IsSticky
				case *bgp.EncapExtended:
					if c.TunnelType != bgp.TUNNEL_TYPE_VXLAN {
						return Route{}, fmt.Errorf("%w: encapsulation %s, not VXLAN", ErrRoute, c.TunnelType)
					}
				default:
					if _, sub := c.GetTypes(); sub == bgp.EC_SUBTYPE_ROUTE_TARGET {
						rts = append(rts, c.String())
					}
				}
			}
		}
	}
	switch d := e.RouteTypeData.(type) {
	case *bgp.EVPNMacIPAdvertisementRoute:
		r.Type, r.RD = TypeMAC, d.RD.String()
		if len(d.MacAddress) != 6 {
			return Route{}, fmt.Errorf("%w: type 2 with a MAC of %d bytes", ErrRoute, len(d.MacAddress))
		}
		r.MAC = append(net.HardwareAddr(nil), d.MacAddress...)
		if d.IPAddress.IsValid() {
			r.IP = d.IPAddress.Unmap()
		}
		if len(d.Labels) > 0 {
			label = d.Labels[0]
		}
		if err := setVTEP(&r, nexthop); err != nil {
			return Route{}, err
		}
	case *bgp.EVPNMulticastEthernetTagRoute:
		r.Type, r.RD = TypeIMET, d.RD.String()
		if pmsi == nil || pmsi.TunnelType != bgp.PMSI_TUNNEL_TYPE_INGRESS_REPL {
			return Route{}, fmt.Errorf("%w: type 3 without an ingress replication PMSI tunnel", ErrRoute)
		}
		label = pmsi.Label
		id, ok := pmsi.TunnelID.(*bgp.IngressReplTunnelID)
		if !ok {
			return Route{}, fmt.Errorf("%w: type 3 PMSI tunnel without an end point", ErrRoute)
		}
		if err := setVTEP(&r, id.Value); err != nil {
			return Route{}, err
		}
	default:
		return Route{}, fmt.Errorf("%w: route type %d", ErrRoute, e.RouteType)
	}
	return withVNI(r, rts, label, byRT)
}

func setVTEP(r *Route, ip netip.Addr) error {
	if !ip.IsValid() {
		return fmt.Errorf("%w: type %d without a VTEP address", ErrRoute, r.Type)
	}
	a := ip.Unmap()
	if !a.Is4() || a.IsMulticast() || a.IsUnspecified() || a.IsLoopback() {
		return fmt.Errorf("%w: VTEP %s is not a unicast IPv4 address", ErrRoute, a)
	}
	r.VTEP = a
	return nil
}

func withVNI(r Route, rts []string, label uint32, byRT map[string]uint32) (Route, error) {
	for _, rt := range rts {
		if vni, ok := byRT[rt]; ok {
			r.VNI = vni
			return r, nil
		}
	}
	for _, vni := range byRT {
		if vni == label {
			r.VNI = vni
			return r, nil
		}
	}
	return Route{}, fmt.Errorf("%w: no local network for route targets [%s] or VNI %d", ErrRoute, strings.Join(rts, " "), label)
}
