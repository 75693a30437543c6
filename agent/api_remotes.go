package agent

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"slices"
)

// RemoteVTEP is one remote VTEP behind learned MACs (GET /v1/remotes):
// whether OVS's tunnel neighbour cache can reach it without dropping a
// packet to ARP first.
type RemoteVTEP struct {
	IP string `json:"ip"`
	// MACs is the number of learned MACs behind it (all VNIs).
	MACs int `json:"macs"`
	// NeighborMAC is its entry in OVS's tunnel neighbour cache ("" if none).
	NeighborMAC string `json:"neighbor_mac,omitempty"`
	// Resolved is true when OVS's cache holds it.
	Resolved bool `json:"resolved"`
	// Skipped says why vtepd never resolves this address (outside the
	// VTEP's subnet, multicast, ...); OVS reaches a VTEP beyond the subnet
	// through its router, whose entry is its own.
	Skipped string `json:"skipped,omitempty"`
}

// RemoteVTEPs reads the learned remote VTEPs and OVS's neighbour entry of
// each, sorted by address. In replication mode the learned VTEPs are the
// peers, reported the same way.
func (a *Agent) RemoteVTEPs(ctx context.Context) ([]RemoteVTEP, error) {
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
	out := make([]RemoteVTEP, 0, len(ips))
	for _, ip := range ips {
		r := RemoteVTEP{IP: ip.String(), MACs: learned[ip]}
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

func init() {
	registerHooks = append(registerHooks, func(a *Agent, mux *http.ServeMux) {
		mux.HandleFunc("GET /v1/remotes", func(w http.ResponseWriter, r *http.Request) {
			rs, err := a.RemoteVTEPs(r.Context())
			if err != nil {
				writeError(w, http.StatusServiceUnavailable, err)
				return
			}
			writeJSON(w, rs)
		})
	})
}

// RemoteVTEPs reads GET /v1/remotes.
func (c *Client) RemoteVTEPs(ctx context.Context) ([]RemoteVTEP, error) {
	var rs []RemoteVTEP
	err := c.Get(ctx, "/v1/remotes", &rs)
	return rs, err
}
