package agent

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/evpn"
)

// check is the evpn health check: it fails while any configured BGP
// session is not established (the networks then miss that neighbour's
// routes, and it misses this VTEP's), naming the neighbours that are down
// and their state.
func (p *evpnPlane) check() api.Check {
	c := api.Check{Name: api.CheckEVPN}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	peers, err := p.sp.Peers(ctx)
	if err != nil {
		c.Detail = "BGP sessions unknown: " + err.Error()
		return c
	}
	var down []string
	for _, ps := range peers {
		if !ps.Established() {
			down = append(down, ps.Address.String()+" "+ps.State)
		}
	}
	if len(down) > 0 {
		c.Detail = fmt.Sprintf("%d of %d BGP sessions down: %s", len(down), len(peers), strings.Join(down, ", "))
		return c
	}
	c.OK = true
	c.Detail = fmt.Sprintf("%d BGP sessions established", len(peers))
	if p.holding() {
		c.Detail += "; keeping the previous run's routes until End-of-RIB"
	}
	return c
}

// holding reports whether the previous run's routes are still in use.
func (p *evpnPlane) holding() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stale != nil
}

var (
	descEVPNPeerUp = prometheus.NewDesc(metricsNamespace+"_evpn_peer_up",
		"1 while the BGP EVPN session with the neighbour is established, else 0.", []string{"neighbor"}, nil)
	descEVPNRoutes = prometheus.NewDesc(metricsNamespace+"_evpn_routes",
		"EVPN routes of the local networks by type (2 MAC, 3 inclusive multicast), VNI and origin (local: advertised by this VTEP; remote: received).",
		[]string{"type", "vni", "origin"}, nil)
	descEVPNMoved = prometheus.NewDesc(metricsNamespace+"_evpn_moved_macs_total",
		"Local MAC entries removed because a newer EVPN route placed the MAC at another VTEP.", nil, nil)
)

// evpnCollector reads the speaker at scrape time.
type evpnCollector struct{ a *Agent }

// Describe sends the EVPN metrics' descriptions.
func (c evpnCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descEVPNPeerUp
	ch <- descEVPNRoutes
	ch <- descEVPNMoved
}

// Collect reads peers and routes (nothing without EVPN).
func (c evpnCollector) Collect(ch chan<- prometheus.Metric) {
	p := c.a.evpn
	if p == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	if peers, err := p.sp.Peers(ctx); err == nil {
		for _, ps := range peers {
			up := 0.0
			if ps.Established() {
				up = 1
			}
			ch <- prometheus.MustNewConstMetric(descEVPNPeerUp, prometheus.GaugeValue, up, ps.Address.String())
		}
	}
	type key struct {
		typ    evpn.RouteType
		vni    uint32
		origin string
	}
	n := map[key]int{}
	for _, r := range p.sp.Routes() {
		origin := "remote"
		if !r.Peer.IsValid() {
			origin = "local"
		}
		n[key{r.Type, r.VNI, origin}]++
	}
	for k, v := range n {
		ch <- prometheus.MustNewConstMetric(descEVPNRoutes, prometheus.GaugeValue, float64(v),
			strconv.Itoa(int(k.typ)), strconv.FormatUint(uint64(k.vni), 10), k.origin)
	}
	p.mu.Lock()
	moved := p.evicted
	p.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(descEVPNMoved, prometheus.CounterValue, float64(moved))
}
