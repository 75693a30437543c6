package agent

import (
	"context"
	"errors"
	"net/netip"
	"slices"

	"github.com/vtep/vtep/api"
)

// RemoteVTEPs reads the learned remote VTEPs and OVS's neighbour entry of
// each, sorted by address. In replication mode the learned VTEPs are the
// peers, reported the same way.
func (a *Agent) RemoteVTEPs(ctx context.Context) ([]api.RemoteVTEP, error) {
	cfg := a.config()
	if a.unixctl == nil {
		return nil, errors.New("remote VTEPs: vtepd is not running")
	}
	learned, err := a.learnedRemotes(ctx)
	if err != nil {
		return nil, err
	}
	cache, err := a.neighborCache(ctx, cfg)
	if err != nil {
		return nil, err
	}
	check, err := remoteCheck(cfg)
	if err != nil {
		return nil, err
	}
	ips := make([]netip.Addr, 0, len(learned))
	for ip := range learned {
		ips = append(ips, ip)
	}
	slices.SortFunc(ips, func(x, y netip.Addr) int { return x.Compare(y) })
	out := make([]api.RemoteVTEP, 0, len(ips))
	for _, ip := range ips {
		r := api.RemoteVTEP{IP: ip.String(), MACs: learned[ip]}
		if n, ok := cache[ip]; ok {
			r.NeighborMAC, r.Resolved = n.MAC, true
		}
		if err := check(ip); err != nil {
			r.Skipped = err.Error()
		}
		out = append(out, r)
	}
	return out, nil
}
