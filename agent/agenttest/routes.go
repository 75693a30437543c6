package agenttest

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// OVS's tunnel router and neighbour cache as the fake keeps them (see
// Unixctl).

func (r fakeRoute) text() string {
	s := r.prefix.String() + " dev " + r.dev
	if r.gw.IsValid() {
		s += " GW " + r.gw.String()
	}
	return s
}

// src returns the bridge's address a route through it sends from: the
// first whose subnet holds the gateway (or the destination), as OVS picks.
func (u *Unixctl) src(dev string, via netip.Addr) (netip.Addr, bool) {
	for _, p := range u.addrs[dev] {
		if p.Contains(via) {
			return p.Addr(), true
		}
	}
	return netip.Addr{}, false
}

// showRoutes prints the table as ovs/route/show does.
func (u *Unixctl) showRoutes() string {
	var b strings.Builder
	b.WriteString("Route Table:\n")
	bridges := make([]string, 0, len(u.addrs))
	for br := range u.addrs {
		bridges = append(bridges, br)
	}
	slices.Sort(bridges)
	for _, br := range bridges {
		for _, p := range u.addrs[br] {
			fmt.Fprintf(&b, "Cached: %s/32 dev %s SRC %s local\n", p.Addr(), br, p.Addr())
			fmt.Fprintf(&b, "Cached: %s dev %s SRC %s\n", p.Masked(), br, p.Addr())
		}
	}
	for _, r := range u.routes {
		via := r.prefix.Addr()
		if r.gw.IsValid() {
			via = r.gw
		}
		src, _ := u.src(r.dev, via)
		fmt.Fprintf(&b, "User: %s SRC %s\n", r.text(), src)
	}
	return b.String()
}

// parsePrefix reads an address with an optional /len, as OVS does.
func parsePrefix(s string) (netip.Prefix, bool) {
	if !strings.Contains(s, "/") {
		s += "/32"
	}
	p, err := netip.ParsePrefix(s)
	return p.Masked(), err == nil && p.Addr().Is4()
}

// addRoute is ovs/route/add PREFIX BRIDGE [GW]: it replaces a route with
// the same prefix and makes OVS listen on the bridge's addresses again.
func (u *Unixctl) addRoute(args []string) (string, string) {
	if len(args) < 2 || len(args) > 3 {
		return "", "ovs/route/add takes ip/plen output_bridge [gw]"
	}
	p, ok := parsePrefix(args[0])
	if !ok {
		return "", "Invalid parameters"
	}
	r := fakeRoute{prefix: p, dev: args[1]}
	via := p.Addr()
	if len(args) == 3 {
		gw, err := netip.ParseAddr(args[2])
		if err != nil {
			return "", "Invalid gateway"
		}
		r.gw, via = gw, gw
	}
	if _, ok := u.src(r.dev, via); !ok {
		return "", "Error while inserting route."
	}
	u.routes = slices.DeleteFunc(u.routes, func(o fakeRoute) bool { return o.prefix == p })
	u.routes = append(u.routes, r)
	delete(u.deaf, r.dev)
	return "OK\n", ""
}

// delRoute is ovs/route/del PREFIX: it deletes the user route with that
// prefix, and OVS stops listening on the addresses of its bridge.
func (u *Unixctl) delRoute(args []string) (string, string) {
	if len(args) != 1 {
		return "", "ovs/route/del takes ip/plen"
	}
	p, ok := parsePrefix(args[0])
	if !ok {
		return "", "Invalid parameters"
	}
	i := slices.IndexFunc(u.routes, func(r fakeRoute) bool { return r.prefix == p })
	if i < 0 {
		return "", "Not found"
	}
	u.deaf[u.routes[i].dev] = true
	u.routes = slices.Delete(u.routes, i, i+1)
	return "OK\n", ""
}

// lookup is ovs/route/lookup ADDR: the longest prefix among the user and
// cached routes.
func (u *Unixctl) lookup(args []string) (string, string) {
	if len(args) != 1 {
		return "", "ovs/route/lookup takes ip"
	}
	p, ok := parsePrefix(args[0])
	if !ok {
		return "", "Invalid parameters"
	}
	ip := p.Addr()
	best := fakeRoute{prefix: netip.PrefixFrom(ip, -1)}
	consider := func(r fakeRoute) {
		if r.prefix.Contains(ip) && r.prefix.Bits() > best.prefix.Bits() {
			best = r
		}
	}
	for br, ps := range u.addrs {
		for _, a := range ps {
			consider(fakeRoute{prefix: a.Masked(), dev: br})
		}
	}
	for _, r := range u.routes {
		consider(r)
	}
	if best.dev == "" {
		return "", "Not found"
	}
	via := ip
	gw := "::"
	if best.gw.IsValid() {
		via, gw = best.gw, best.gw.String()
	}
	src, _ := u.src(best.dev, via)
	return fmt.Sprintf("src %s\ngateway %s\ndev %s\n", src, gw, best.dev), ""
}

// showPorts prints the tunnel receive entries as tnl/ports/show -v does.
func (u *Unixctl) showPorts() string {
	var b strings.Builder
	b.WriteString("Listening ports:\n")
	bridges := make([]string, 0, len(u.addrs))
	for br := range u.addrs {
		bridges = append(bridges, br)
	}
	slices.Sort(bridges)
	for _, br := range bridges {
		if u.deaf[br] {
			continue
		}
		for _, p := range u.addrs[br] {
			fmt.Fprintf(&b, "vxlan_sys_%d (3) : eth(dst=aa:55:aa:55:00:01),eth_type(0x0800),ipv4(dst=%s,proto=17,frag=no),udp(dst=%d)\n",
				u.udpPort, p.Addr(), u.udpPort)
		}
	}
	return b.String()
}

// showNeighbors prints the cache as tnl/neigh/show does.
func (u *Unixctl) showNeighbors() string {
	var b strings.Builder
	b.WriteString("IP                                            MAC                 Bridge\n")
	b.WriteString("==========================================================================\n")
	ips := make([]netip.Addr, 0, len(u.neigh))
	for ip := range u.neigh {
		ips = append(ips, ip)
	}
	slices.SortFunc(ips, netip.Addr.Compare)
	for _, ip := range ips {
		n := u.neigh[ip]
		fmt.Fprintf(&b, "%-45s %-19s %s\n", ip, n.MAC, n.Bridge)
	}
	return b.String()
}

// setNeighbor is tnl/neigh/set BRIDGE IP MAC.
func (u *Unixctl) setNeighbor(args []string) (string, string) {
	if len(args) != 3 {
		return "", "tnl/neigh/set takes bridge ip mac"
	}
	ip, err := netip.ParseAddr(args[1])
	if err != nil {
		return "", "bad IP address"
	}
	u.neigh[ip] = Neighbor{MAC: strings.ToLower(args[2]), Bridge: args[0]}
	return "OK\n", ""
}
