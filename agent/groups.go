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
// to the groups in use (none in replication mode).
func (a *Agent) reconcileGroups(ctx context.Context, cfg *config.Config) (int, error) {
	var want []config.GroupGateway
	if cfg.Flood.Mode == config.FloodMulticast {
		gws, err := cfg.MulticastGateways()
		if err != nil {
			return 0, err
		}
		want = gws
	}
	changes := 0
	var errs []error
	keep := map[string]bool{}
	var groups []net.IP
	inUse := a.gatewaysInUse(ctx, cfg, want)
	for _, gw := range want {
		r := underlay.GroupRoute{Group: gw.Group.AsSlice(), Bridge: cfg.Underlay.Bridge, Gateway: gw.Gateway.AsSlice()}
		keep[gw.Group.String()] = true
		groups = append(groups, r.Group)
		if mac, used := inUse[gw.Gateway.String()]; used {
			errs = append(errs, fmt.Errorf("group %s: placeholder gateway %s is a real host's address (it answers ARP from %s); "+
				"set underlay.mcast_gateways to addresses of the VTEP subnet that nobody uses", gw.Group, gw.Gateway, mac))
			continue
		}
		changed, err := r.Ensure(ctx, a.unixctl)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if changed {
			changes++
			a.log.WithFields(logrus.Fields{"group": gw.Group.String(), "gateway": gw.Gateway.String()}).Info("tunnel route to group installed")
		}
		a.routes[gw.Group.String()] = r
	}
	for g, r := range a.routes {
		if keep[g] {
			continue
		}
		if err := r.Remove(ctx, a.unixctl); err != nil {
			errs = append(errs, err)
			continue
		}
		delete(a.routes, g)
		changes++
	}
	if a.igmp != nil {
		if err := a.igmp.Set(groups); err != nil {
			errs = append(errs, err)
		}
	}
	return changes, errors.Join(errs...)
}

// gatewaysInUse checks the placeholder gateways of groups not routed yet, all
// at once, and returns those a host answers for (address -> its MAC).
func (a *Agent) gatewaysInUse(ctx context.Context, cfg *config.Config, gws []config.GroupGateway) map[string]net.HardwareAddr {
	var mu sync.Mutex
	var wg sync.WaitGroup
	used := map[string]net.HardwareAddr{}
	for _, gw := range gws {
		if _, known := a.routes[gw.Group.String()]; known {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if mac, ok := underlay.GatewayInUse(ctx, cfg.Underlay.Bridge, cfg.Underlay.LocalIP.Addr().AsSlice(), gw.Gateway.AsSlice()); ok {
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
// peers resolved, so that no flood to a peer is dropped while OVS ARPs for
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
