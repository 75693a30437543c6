package underlay

import (
	"context"
	"fmt"
	"net"
	"strings"
)

// GroupMAC returns the Ethernet multicast address of an IPv4 group
// (01:00:5e followed by the group's low 23 bits, RFC 1112).
func GroupMAC(group net.IP) net.HardwareAddr {
	g := group.To4()
	return net.HardwareAddr{0x01, 0x00, 0x5e, g[1] & 0x7f, g[2], g[3]}
}

// GroupRoute is what OVS's tunnel router needs to send VXLAN to a multicast
// group. OVS routes tunnel packets itself and resolves next hops in its own
// neighbour cache, which has no multicast mapping, and it refuses a route to
// an address outside the bridge's subnets. So the group is routed via a
// placeholder gateway inside the VTEP's subnet, and that gateway is pinned in
// the neighbour cache to the group's multicast MAC. The outer source stays
// the VTEP's own address.
type GroupRoute struct {
	Group   net.IP
	Bridge  string // the underlay bridge holding the VTEP IP
	Gateway net.IP // placeholder, one per group
}

// Ensure installs the route and the neighbour entry if they are missing.
// A route to the group through another gateway is replaced in place (OVS's
// ovs/route/add replaces a route with the same prefix), never deleted
// first: a deletion would stop OVS listening for tunnels (see Reregister).
// It reports whether it changed anything.
func (r GroupRoute) Ensure(ctx context.Context, u Caller) (bool, error) {
	changed := false
	routes, err := u.Call(ctx, "ovs/route/show")
	if err != nil {
		return false, err
	}
	if !hasRoute(routes, r) {
		if _, err := u.Call(ctx, "ovs/route/add", r.Group.String()+"/32", r.Bridge, r.Gateway.String()); err != nil {
			return false, fmt.Errorf("group %s: route via %s on %s: %w", r.Group, r.Gateway, r.Bridge, err)
		}
		changed = true
	}
	neigh, err := u.Call(ctx, "tnl/neigh/show")
	if err != nil {
		return changed, err
	}
	// Set every time: OVS 3.1 ages entries set by hand like learned ones
	// (15 minutes unused); vtepd's periodic resync keeps this one fresh.
	mac := GroupMAC(r.Group).String()
	if !hasNeigh(neigh, r.Gateway, mac, r.Bridge) {
		changed = true
	}
	if _, err := u.Call(ctx, "tnl/neigh/set", r.Bridge, r.Gateway.String(), mac); err != nil {
		return changed, fmt.Errorf("group %s: neighbour %s -> %s on %s: %w", r.Group, r.Gateway, mac, r.Bridge, err)
	}
	return changed, nil
}

// RemoveGroupRoute deletes the user route to group (the neighbour entry of
// its placeholder ages out of OVS's cache). OVS forgets the tunnel receive
// addresses of the route's bridge when it deletes a route: the caller must
// Reregister the bridge afterwards.
func RemoveGroupRoute(ctx context.Context, u Caller, group net.IP) error {
	if _, err := u.Call(ctx, "ovs/route/del", group.String()+"/32"); err != nil {
		return fmt.Errorf("group %s: remove route: %w", group, err)
	}
	return nil
}

// Reregister makes OVS listen for tunnels on the bridge's addresses again.
//
// OVS keeps the addresses it decapsulates tunnel packets for (its tunnel
// receive ports, tnl/ports/show -v) per interface. Deleting any route whose
// device is the bridge (ovs-router.c rt_entry_delete__ calls
// tnl_port_map_delete_ipdev) drops the bridge's addresses from that list,
// and only inserting a route on the bridge adds them back
// (ovs_router_insert__ calls tnl_port_map_insert_ipdev). Until then every
// VXLAN packet to this VTEP is answered with ICMP port unreachable: the
// VTEP is deaf on every VNI. Reregister adds a host route to the VTEP's own
// address through the bridge: OVS's local route to that address has a
// higher priority, so lookups are unchanged, and adding it again replaces
// it, so Reregister is idempotent.
func Reregister(ctx context.Context, u Caller, bridge string, local net.IP) error {
	if _, err := u.Call(ctx, "ovs/route/add", local.String()+"/32", bridge); err != nil {
		return fmt.Errorf("re-register tunnel receive on %s (%s): %w", bridge, local, err)
	}
	return nil
}

// Route is one entry of OVS's tunnel routing table as ovs/route/show prints it.
type Route struct {
	User    bool   // added with ovs/route/add (else learned from the kernel)
	Prefix  string // e.g. 239.1.1.1/32
	Dev     string
	Gateway net.IP // nil without a gateway
}

// ParseRoutes reads ovs/route/show output. Lines it does not understand are
// skipped.
func ParseRoutes(show string) []Route {
	var out []Route
	for _, line := range strings.Split(show, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || (f[0] != "User:" && f[0] != "Cached:") || f[2] != "dev" {
			continue
		}
		r := Route{User: f[0] == "User:", Prefix: f[1], Dev: f[3]}
		if len(f) >= 6 && f[4] == "GW" {
			r.Gateway = net.ParseIP(f[5])
		}
		out = append(out, r)
	}
	return out
}

// GroupRoutes returns the multicast groups that have a user route with a
// gateway through bridge: the routes vtepd owns on the underlay bridge.
func GroupRoutes(routes []Route, bridge string) []net.IP {
	var out []net.IP
	for _, r := range routes {
		if !r.User || r.Dev != bridge || r.Gateway == nil || !strings.HasSuffix(r.Prefix, "/32") {
			continue
		}
		ip := net.ParseIP(strings.TrimSuffix(r.Prefix, "/32")).To4()
		if ip != nil && ip.IsMulticast() {
			out = append(out, ip)
		}
	}
	return out
}

// ovs/route/show prints lines like
//
//	User: 239.1.1.1/32 dev br-phy GW 10.0.0.254 SRC 10.0.0.1
func hasRoute(show string, r GroupRoute) bool {
	for _, line := range strings.Split(show, "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && f[0] == "User:" && f[1] == r.Group.String()+"/32" && f[3] == r.Bridge &&
			f[4] == "GW" && f[5] == r.Gateway.String() {
			return true
		}
	}
	return false
}

// tnl/neigh/show prints a header and lines like
//
//	10.0.0.254                                    01:00:5e:01:01:01   br-phy
func hasNeigh(show string, gw net.IP, mac, bridge string) bool {
	for _, line := range strings.Split(show, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == gw.String() && f[1] == mac && f[2] == bridge {
			return true
		}
	}
	return false
}
