package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/sirupsen/logrus"
	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/underlay"
)

// reconcileGroups keeps OVS's tunnel routes and the IGMP memberships equal
// to the groups in use (none in replication mode). Routes are read back
// from OVS and diffed like flows: a group route on the underlay bridge that
// no network uses goes, whoever added it, and OVS is then made to listen
// for tunnels again (a route deletion stops it, see underlay.Reregister).
func (a *Agent) reconcileGroups(ctx context.Context, cfg *config.Config) (int, error) {
	var want []config.GroupGateway
	if cfg.Flood.Mode == config.FloodMulticast {
		gws, err := cfg.MulticastGateways()
		if err != nil {
			return 0, err
		}
		want = gws
	}
	show, err := a.unixctl.Call(ctx, "ovs/route/show")
	if err != nil {
		a.setMissingRoutes(groupsOf(want))
		return 0, fmt.Errorf("read OVS's tunnel routes: %w", err)
	}
	routes := underlay.ParseRoutes(show)
	changes, missing, errs := a.ensureGroupRoutes(ctx, cfg, want, routes)
	n, err := a.removeGroupRoutes(ctx, cfg, want, routes)
	changes += n
	if err != nil {
		errs = append(errs, err)
	}
	a.setMissingRoutes(missing)
	if a.igmp != nil {
		if err := a.igmp.Set(groupsOf(want)); err != nil {
			errs = append(errs, err)
		}
	}
	return changes, errors.Join(errs...)
}

// ensureGroupRoutes routes every wanted group; it returns the changes made,
// the groups left unrouted and why.
func (a *Agent) ensureGroupRoutes(ctx context.Context, cfg *config.Config, want []config.GroupGateway, have []underlay.Route) (int, []net.IP, []error) {
	changes := 0
	var missing []net.IP
	var errs []error
	inUse := a.gatewaysInUse(ctx, cfg, want, have)
	for _, gw := range want {
		r := underlay.GroupRoute{Group: gw.Group.AsSlice(), Bridge: cfg.Underlay.Bridge, Gateway: gw.Gateway.AsSlice()}
		if mac, used := inUse[gw.Gateway.String()]; used {
			missing = append(missing, r.Group)
			errs = append(errs, fmt.Errorf("group %s: placeholder gateway %s is a real host's address (it answers ARP from %s); "+
				"set underlay.mcast_gateways to addresses of the VTEP subnet that nobody uses", gw.Group, gw.Gateway, mac))
			continue
		}
		changed, err := r.Ensure(ctx, a.unixctl)
		if err != nil {
			missing = append(missing, r.Group)
			errs = append(errs, err)
			continue
		}
		if changed {
			changes++
			a.log.WithFields(logrus.Fields{"group": gw.Group.String(), "gateway": gw.Gateway.String()}).Info("tunnel route to group installed")
		}
	}
	return changes, missing, errs
}

// removeGroupRoutes deletes the group routes on the underlay bridge that no
// wanted group has, then makes OVS listen for tunnels again.
func (a *Agent) removeGroupRoutes(ctx context.Context, cfg *config.Config, want []config.GroupGateway, have []underlay.Route) (int, error) {
	keep := map[string]bool{}
	for _, gw := range want {
		keep[gw.Group.String()] = true
	}
	removed := 0
	var errs []error
	for _, g := range underlay.GroupRoutes(have, cfg.Underlay.Bridge) {
		if keep[g.String()] {
			continue
		}
		if err := underlay.RemoveGroupRoute(ctx, a.unixctl, g); err != nil {
			errs = append(errs, err)
			continue
		}
		removed++
		a.log.WithField("group", g.String()).Info("tunnel route to group removed")
	}
	if removed > 0 {
		if err := underlay.Reregister(ctx, a.unixctl, cfg.Underlay.Bridge, cfg.Underlay.LocalIP.Addr().AsSlice()); err != nil {
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}

func groupsOf(gws []config.GroupGateway) []net.IP {
	out := make([]net.IP, 0, len(gws))
	for _, gw := range gws {
		out = append(out, gw.Group.AsSlice())
	}
	return out
}

// gatewaysInUse checks the placeholder gateways of groups not routed yet
// through them, all at once, and returns those a host answers for
// (address -> its MAC).
func (a *Agent) gatewaysInUse(ctx context.Context, cfg *config.Config, gws []config.GroupGateway, have []underlay.Route) map[string]net.HardwareAddr {
	routed := map[string]bool{}
	for _, r := range have {
		if r.User && r.Dev == cfg.Underlay.Bridge && r.Gateway != nil {
			routed[r.Prefix+" "+r.Gateway.String()] = true
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	used := map[string]net.HardwareAddr{}
	for _, gw := range gws {
		if routed[gw.Group.String()+"/32 "+gw.Gateway.String()] {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if mac, ok := a.gatewayInUse(ctx, cfg.Underlay.Bridge, cfg.Underlay.LocalIP.Addr().AsSlice(), gw.Gateway.AsSlice()); ok {
				mu.Lock()
				used[gw.Gateway.String()] = mac
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return used
}

// resolvePeers keeps OVS's tunnel neighbour entries of the replication
// peers resolved (a peer OVS routes through a gateway is skipped: OVS uses
// the gateway's entry, which resolveGateways keeps), so that no flood to a peer is dropped while OVS ARPs for
// it. A peer that does not answer is logged, not fatal: the flows do not
// depend on it, and the next resync tries again.
func (a *Agent) resolvePeers(ctx context.Context, cfg *config.Config) int {
	type result struct {
		peer    string
		changed bool
		err     error
	}
	results := make(chan result, len(cfg.Flood.Peers))
	for _, peer := range cfg.Flood.Peers {
		go func() {
			if a.peerOffLink(ctx, cfg, peer) {
				results <- result{peer: peer.String()} // its gateway's entry is kept instead
				return
			}
			p := underlay.PeerNeighbor{Peer: peer.AsSlice(), Bridge: cfg.Underlay.Bridge, Local: cfg.Underlay.LocalIP.Addr().AsSlice()}
			changed, err := p.Ensure(ctx, a.unixctl)
			results <- result{peer.String(), changed, err}
		}()
	}
	changes := 0
	for range cfg.Flood.Peers {
		r := <-results
		switch {
		case r.err != nil:
			a.log.WithField("peer", r.peer).WithError(r.err).Warn("replication peer not resolved; its first flood may be dropped")
		case r.changed:
			changes++
			a.log.WithField("peer", r.peer).Info("replication peer resolved in OVS's neighbour cache")
		}
	}
	return changes
}
