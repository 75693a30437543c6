package agent

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// Neigh reads ARP suppression's bindings (GET /v1/neigh, vni 0: every
// VNI): the flows of table neigh holding a MAC, learned ones (learned-neigh)
// and static ones (neigh-static), decoded by pipeline.DecodeNeigh; sorted
// by VNI and IP. AGE is the flow's duration: a learned binding that moves
// to another MAC is rewritten in place and keeps it.
func (a *Agent) Neigh(ctx context.Context, vni uint32) ([]api.NeighEntry, error) {
	fs, err := a.neighFlows(ctx)
	if err != nil {
		return nil, err
	}
	out := []api.NeighEntry{}
	for _, f := range fs {
		b, err := pipeline.DecodeNeigh(neighFlow(f))
		if err != nil || (vni != 0 && b.VNI != vni) {
			continue
		}
		e := api.NeighEntry{IP: b.IP.String(), MAC: b.MAC.String(), VNI: b.VNI, Source: "learned",
			Age: f.Duration.Seconds(), HardTimeout: f.HardTimeout, Hits: f.Packets}
		if b.Static {
			e.Source = "static"
		}
		out = append(out, e)
	}
	api.SortNeigh(out, func(x, y string) bool {
		return netip.MustParseAddr(x).Less(netip.MustParseAddr(y))
	})
	return out, nil
}

// neighFlow reads the values of a flow of table neigh: the match on arp_tpa
// (or nd_target, for IPv6) and the register loads of its actions.
func neighFlow(f ofapp.FlowStats) pipeline.NeighFlow {
	nf := pipeline.NeighFlow{Cookie: pipeline.Cookie(f.Cookie), Loads: map[int]uint64{}}
	for _, m := range f.Match {
		if (m.Name() == "arp_tpa" || m.Name() == "nd_target") && m.Mask == nil {
			if ip, ok := netip.AddrFromSlice(m.Value); ok {
				nf.IP = ip.Unmap()
			}
		}
	}
	for _, act := range f.Actions {
		if reg, v, ok := regLoad(act); ok {
			nf.Loads[reg] = v
		}
	}
	return nf
}

// neighFlows reads the overlay bridge's table neigh: the ARP suppression
// bindings, learned and static.
func (a *Agent) neighFlows(ctx context.Context) ([]ofapp.FlowStats, error) {
	sw, name, err := a.switchFor(api.BridgeOverlay)
	if err != nil {
		return nil, err
	}
	fs, err := sw.TableFlows(ctx, pipeline.TableNeigh, uint64(pipeline.VtepValue), uint64(pipeline.VtepMask))
	if err != nil {
		return nil, fmt.Errorf("overlay bridge %s: read ARP suppression bindings: %w", name, err)
	}
	return fs, nil
}
