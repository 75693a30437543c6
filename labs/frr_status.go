package labs

import (
	"context"
	"fmt"
	"path/filepath"
)

// FRRStatus is an FRR node's part of a LabStatus: its daemons and its
// EVPN BGP sessions.
type FRRStatus struct {
	Daemons []Check // one per daemon: pid alive?
	// Sessions holds one check per BGP neighbour: OK when Established.
	Sessions []Check
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
	if len(daemons) < 2 { // no bgpd
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
	return out
}
