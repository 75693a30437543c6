package labs

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// FRRStatus is an FRR node's part of a LabStatus: its daemons and its
// EVPN BGP sessions.
type FRRStatus struct {
	Daemons []Check // one per daemon: pid alive?
	// Sessions holds one check per BGP neighbour: OK when Established.
	Sessions []Check
	// PIM checks that a PIM router has a PIM neighbour in every PIM
	// router it shares a switch with.
	PIM *Check
}

// RouterStatus is one router's part of a LabStatus.
type RouterStatus struct {
	Router
	// Addresses: its interfaces, loopback and RP, on one line.
	Addresses string
	Netns     Check
	FRR       FRRStatus
}

// frr gathers an FRR node's daemons and sessions; a dead daemon and a
// session that is not established are problems.
func (g *gatherer) frr(ctx context.Context, node string) FRRStatus {
	var s FRRStatus
	daemons := g.r.Topology.frrNodes()[node]
	for _, d := range daemons {
		s.Daemons = append(s.Daemons, g.daemon(d+" of "+node, filepath.Join(g.r.NodeDir(node), d+".pid")))
	}
	if slices.Contains(daemons, "pimd") {
		c := g.pim(ctx, node)
		s.PIM = &c
	}
	if !slices.Contains(daemons, "bgpd") {
		return s
	}
	peers, err := g.r.BGPPeers(ctx, node)
	if err != nil {
		s.Sessions = append(s.Sessions, g.problem("bgp sessions of %s: %v", node, err))
		return s
	}
	for _, p := range peers {
		if p.State == "Established" {
			s.Sessions = append(s.Sessions, g.ok("bgp %s (AS %d) Established, %d routes received", p.Address, p.RemoteAS, p.PfxRcd))
		} else {
			s.Sessions = append(s.Sessions, g.problem("bgp session of %s with %s (AS %d) is %s", node, p.Address, p.RemoteAS, p.State))
		}
	}
	return s
}

// pim checks a PIM router's adjacencies.
func (g *gatherer) pim(ctx context.Context, node string) Check {
	want := g.r.Topology.pimPeers()[node]
	out, err := g.r.Vtysh(ctx, node, "show ip pim neighbor json")
	if err != nil {
		return g.problem("pim neighbours of %s: %v", node, err)
	}
	ns, err := ParsePIMNeighbors(out)
	if err != nil {
		return g.problem("pim neighbours of %s: %v", node, err)
	}
	var list []string
	for i, as := range ns {
		for _, a := range as {
			list = append(list, i+" "+a)
		}
	}
	sort.Strings(list)
	if len(list) < want {
		return g.problem("pim neighbours of %s: %d of %d (%s)", node, len(list), want, strings.Join(list, ", "))
	}
	return g.ok("pim neighbours: %s", strings.Join(list, ", "))
}

// SwitchStatus is one extra underlay switch's part of a LabStatus.
type SwitchStatus struct {
	Switch
	Netns Check
	Ports Check // Text: the bridge's ports, space-separated, when OK
}

// switchStatus gathers a switch's namespace and ports.
func (g *gatherer) switchStatus(ctx context.Context, sw Switch) {
	ss := SwitchStatus{Switch: sw, Netns: g.netns(sw.Name)}
	if out, err := Exec(ctx, g.r.Netns(sw.Name), "ip", "-o", "link", "show", "master", UnderlayBridgeName); err == nil {
		ss.Ports = g.ok("%s", strings.Join(ParseLinkNames(out), " "))
	} else {
		ss.Ports = g.problem("ports of %s on switch %s: %v", UnderlayBridgeName, sw.Name, err)
	}
	g.s.Switches = append(g.s.Switches, ss)
}

// router gathers a router's status.
func (g *gatherer) router(ctx context.Context, r Router) {
	rs := RouterStatus{Router: r, Addresses: describeRouter(r), Netns: g.netns(r.Name)}
	rs.FRR = g.frr(ctx, r.Name)
	g.s.Routers = append(g.s.Routers, rs)
}

// String prints an FRR status on one line per part.
func (s FRRStatus) String() string {
	out := ""
	for _, d := range s.Daemons {
		out += fmt.Sprintf("  %s\n", d)
	}
	for _, c := range s.Sessions {
		out += fmt.Sprintf("  %s\n", c)
	}
	if s.PIM != nil {
		out += fmt.Sprintf("  %s\n", *s.PIM)
	}
	return out
}
