// Package evpn is vtep's BGP EVPN control plane (RFC 7432, RFC 8365 for
// VXLAN): an embedded GoBGP server (github.com/osrg/gobgp/v4) speaking
// L2VPN EVPN to route reflectors or other VTEPs, FRR among them.
//
// A Speaker advertises, per local EVPN network, a type-3 route (Inclusive
// Multicast Ethernet Tag, PMSI tunnel type 6: ingress replication to this
// VTEP, label = VNI) and a type-2 route per local MAC (MAC/IP
// Advertisement, label = VNI, MAC mobility sequence when above 0), with the
// route target ASN:VNI and the route distinguisher router-id:VNI, as FRR
// derives them (Network overrides either). It keeps the best received
// route of every NLRI and turns them into what the data plane needs:
// Remote, per network, the VTEPs that want its floods and the MACs behind
// other VTEPs (the highest sequence wins, then the lowest VTEP address).
//
// MAC mobility (RFC 7432 §15) is decided by plan, a pure function: a MAC
// newly seen on a local port is advertised with the best remote sequence
// plus one, so every VTEP moves it here; an advertised MAC that a newer
// remote route claims is evicted (Sync returns it and the caller deletes
// its learned flow), and static MACs (port security) always win.
//
// Received routes are parsed by parseRoute, which refuses (ErrRoute) what
// vtep cannot use: other route types, non-VXLAN encapsulations, next hops
// that are not unicast IPv4, type-3 routes without ingress replication,
// routes for no local network. The speaker logs through logrus (GoBGP's
// slog lines become logrus entries, its Info lines Debug).
package evpn
