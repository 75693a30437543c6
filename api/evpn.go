package api

import (
	"context"
	"fmt"
	"net/url"
)

// MAC entry sources (MACEntry.Source).
const (
	SourceLearned = "learned" // learned in the data plane
	SourceStatic  = "static"  // a secured port's MAC (port security)
	SourceEVPN    = "evpn"    // from a BGP EVPN type-2 route
	SourceConfig  = "config"  // a flood peer of the configuration (vteps)
)

// EVPNPeer is one BGP neighbour (GET /v1/evpn/peers).
type EVPNPeer struct {
	Address string `json:"address"`
	ASN     uint32 `json:"asn"`
	// State is the session state: idle, connect, active, opensent,
	// openconfirm or established.
	State string `json:"state"`
	// Uptime is how long the session has been established, in seconds.
	Uptime float64 `json:"uptime_s"`
	// Received and Accepted count its EVPN routes.
	Received uint64 `json:"received"`
	Accepted uint64 `json:"accepted"`
	// EndOfRIB is true once it has sent all its routes.
	EndOfRIB bool `json:"end_of_rib"`
}

// EVPNRoute is one EVPN route of a local network (GET /v1/evpn/routes).
type EVPNRoute struct {
	VNI uint32 `json:"vni"`
	// Type is 2 (MAC) or 3 (inclusive multicast: the VTEP wants the
	// network's floods).
	Type uint8  `json:"type"`
	RD   string `json:"rd"`
	MAC  string `json:"mac,omitempty"`
	IP   string `json:"ip,omitempty"`
	VTEP string `json:"vtep"`
	// Seq is the MAC mobility sequence number (type 2).
	Seq    uint32 `json:"seq"`
	Sticky bool   `json:"sticky,omitempty"`
	// Peer is the neighbour it came from; "" for this VTEP's own routes.
	Peer string `json:"peer,omitempty"`
}

// VTEPEntry is a remote VTEP of a network and where vtepd knows it from
// (GET /v1/vteps).
type VTEPEntry struct {
	VNI  uint32 `json:"vni"`
	VTEP string `json:"vtep"`
	// Sources: evpn (a type-3 or type-2 route), learned (MACs learned
	// from its frames), config (flood.peers).
	Sources []string `json:"sources"`
	// MACs is the number of the network's MACs behind it.
	MACs int `json:"macs"`
}

// EVPNRouteQuery filters GET /v1/evpn/routes: VNI 0 and Type 0 mean all.
type EVPNRouteQuery struct {
	VNI  uint32
	Type uint8
}

// ParseEVPNRouteQuery reads vni and type from a query string.
func ParseEVPNRouteQuery(v url.Values) (EVPNRouteQuery, error) {
	var q EVPNRouteQuery
	vni, err := parseVNI(v.Get("vni"))
	if err != nil {
		return q, err
	}
	q.VNI = vni
	switch t := v.Get("type"); t {
	case "":
	case "2", "3":
		q.Type = t[0] - '0'
	default:
		return q, fmt.Errorf("type %q: want 2 or 3", t)
	}
	return q, nil
}

// Values is the query string of q.
func (q EVPNRouteQuery) Values() url.Values {
	v := url.Values{}
	if q.VNI != 0 {
		v.Set("vni", fmt.Sprint(q.VNI))
	}
	if q.Type != 0 {
		v.Set("type", fmt.Sprint(q.Type))
	}
	return v
}

// EVPNPeers reads GET /v1/evpn/peers.
func (c *Client) EVPNPeers(ctx context.Context) ([]EVPNPeer, error) {
	var ps []EVPNPeer
	err := c.Get(ctx, "/v1/evpn/peers", &ps)
	return ps, err
}

// EVPNRoutes reads GET /v1/evpn/routes.
func (c *Client) EVPNRoutes(ctx context.Context, q EVPNRouteQuery) ([]EVPNRoute, error) {
	var rs []EVPNRoute
	err := c.Get(ctx, "/v1/evpn/routes?"+q.Values().Encode(), &rs)
	return rs, err
}

// VTEPs reads GET /v1/vteps (vni 0: every network).
func (c *Client) VTEPs(ctx context.Context, vni uint32) ([]VTEPEntry, error) {
	var vs []VTEPEntry
	q := url.Values{}
	if vni != 0 {
		q.Set("vni", fmt.Sprint(vni))
	}
	err := c.Get(ctx, "/v1/vteps?"+q.Encode(), &vs)
	return vs, err
}
