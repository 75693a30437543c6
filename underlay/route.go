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
// It reports whether it changed anything.
func (r GroupRoute) Ensure(ctx context.Context, u *Unixctl) (bool, error) {
	changed := false
	routes, err := u.Call(ctx, "ovs/route/show")
	if err != nil {
		return false, err
	}
	if !hasRoute(routes, r) {
		// A stale route to the group through another gateway goes first.
		if routeFor(routes, r.Group) {
			if _, err := u.Call(ctx, "ovs/route/del", r.Group.String()+"/32"); err != nil {
				return false, fmt.Errorf("group %s: remove stale route: %w", r.Group, err)
			}
		}
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

// Remove deletes the group's route (the neighbour entry ages out of OVS's cache).
func (r GroupRoute) Remove(ctx context.Context, u *Unixctl) error {
	routes, err := u.Call(ctx, "ovs/route/show")
	if err != nil {
		return err
	}
	if !routeFor(routes, r.Group) {
		return nil
	}
	if _, err := u.Call(ctx, "ovs/route/del", r.Group.String()+"/32"); err != nil {
		return fmt.Errorf("group %s: remove route: %w", r.Group, err)
	}
	return nil
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

func routeFor(show string, group net.IP) bool {
	for _, line := range strings.Split(show, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "User:" && f[1] == group.String()+"/32" {
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
