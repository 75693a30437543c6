package agent

import (
	"context"
	"errors"
	"net/netip"

	"github.com/sirupsen/logrus"
	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/underlay"
)

// resolveGateways keeps OVS's tunnel neighbour entries of the underlay's
// routers resolved: the gateways of the kernel routes OVS has cached for
// the underlay bridge (vtepd's own group routes excluded). A VTEP beyond
// the VTEP subnet (another rack of a routed underlay) is reached through
// such a gateway, and OVS drops a tunnel packet whose next hop it has not
// resolved while it ARPs: the first reply to a remote rack's flood, or the
// first replicated flood to a peer there. Like replication peers, each is
// resolved through the host's kernel and set on every resync. It returns
// the entries it changed.
func (a *Agent) resolveGateways(ctx context.Context, cfg *config.Config) int {
	show, err := a.unixctl.Call(ctx, "ovs/route/show")
	if err != nil {
		a.log.WithError(err).Warn("read OVS's routes to resolve the underlay's gateways")
		return 0
	}
	changes := 0
	for _, gw := range underlayGateways(underlay.ParseRoutes(show), cfg.Underlay.Bridge) {
		p := underlay.PeerNeighbor{Peer: gw.AsSlice(), Bridge: cfg.Underlay.Bridge, Local: cfg.Underlay.LocalIP.Addr().AsSlice()}
		changed, err := p.Ensure(ctx, a.unixctl)
		l := a.log.WithField("gateway", gw.String())
		switch {
		case err != nil:
			l.WithError(err).Warn("underlay gateway not resolved; the first packet to a VTEP behind it may be dropped")
		case changed:
			changes++
			l.Info("underlay gateway resolved in OVS's neighbour cache")
		}
	}
	return changes
}

// underlayGateways returns the distinct gateways of the kernel routes (not
// vtepd's group routes) through bridge.
func underlayGateways(routes []underlay.Route, bridge string) []netip.Addr {
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, r := range routes {
		if r.User || r.Dev != bridge || r.Gateway == nil {
			continue
		}
		gw, ok := netip.AddrFromSlice(r.Gateway.To4())
		if !ok || seen[gw] {
			continue
		}
		seen[gw] = true
		out = append(out, gw)
	}
	return out
}

// peerOffLink reports whether OVS reaches a replication peer through a
// gateway (whose entry resolveGateways keeps): the peer's own entry is not
// the one OVS uses, and the kernel never resolves it.
func (a *Agent) peerOffLink(ctx context.Context, cfg *config.Config, peer netip.Addr) bool {
	r, err := underlay.LookupNextHop(ctx, a.unixctl, peer)
	if err != nil {
		return false
	}
	err = underlay.CheckOnLink(peer, r, cfg.Underlay.Bridge)
	if err != nil && errors.Is(err, underlay.ErrNotResolvable) && r.Gateway.IsValid() && r.Dev == cfg.Underlay.Bridge {
		a.log.WithFields(logrus.Fields{"peer": peer.String(), "gateway": r.Gateway.String()}).Debug("replication peer behind a gateway")
		return true
	}
	return false
}
