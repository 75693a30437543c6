package agent

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/underlay"
)

// errNoUnixctl: the agent has no control socket (it was never started).
var errNoUnixctl = errors.New("ovs-vswitchd control socket: vtepd is not running")

// OVS-side tunnel drops. VXLAN that ovs-vswitchd refuses before any flow
// sees it (I flag unset, reserved bits set, truncated) is counted only in
// its coverage counters. vtepd reads them through vswitchd's control socket
// when status is asked for or metrics are scraped, and nothing otherwise
// (see underlay.TunnelDropCounters for the counters and reasons).

// ovsDropsTimeout bounds one read of the coverage counters.
const ovsDropsTimeout = 2 * time.Second

var descOVSTunnelDrops = prometheus.NewDesc(metricsNamespace+"_ovs_tunnel_drops_total",
	"Tunnel packets ovs-vswitchd dropped before any flow saw them (its coverage counters), by reason.",
	[]string{"reason"}, nil)

// ovsDropsCollector reads OVS's tunnel drop counters at scrape time.
type ovsDropsCollector struct{ a *Agent }

// Describe sends the collector's description.
func (c ovsDropsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descOVSTunnelDrops }

// Collect reads the coverage counters; when they cannot be read nothing is
// reported (a counter must not go back to 0).
func (c ovsDropsCollector) Collect(ch chan<- prometheus.Metric) {
	drops, err := c.a.ovsTunnelDrops()
	if err != nil {
		c.a.log.WithError(err).Warn("metrics: read OVS's tunnel drops")
		return
	}
	for reason, n := range drops {
		ch <- prometheus.MustNewConstMetric(descOVSTunnelDrops, prometheus.CounterValue, float64(n), reason)
	}
}

// ovsTunnelDrops reads ovs-vswitchd's tunnel drops by reason (nil and an
// error when the control socket does not answer).
func (a *Agent) ovsTunnelDrops() (map[string]uint64, error) {
	if a.unixctl == nil {
		return nil, errNoUnixctl
	}
	ctx, cancel := context.WithTimeout(context.Background(), ovsDropsTimeout)
	defer cancel()
	return underlay.ReadTunnelDrops(ctx, a.unixctl)
}

// fillOVSDrops puts OVS's tunnel drops, or why they could not be read, into
// a status.
func (a *Agent) fillOVSDrops(s *api.Status) {
	drops, err := a.ovsTunnelDrops()
	if err != nil {
		s.OVSTunnelDropsError = err.Error()
		return
	}
	s.OVSTunnelDrops = drops
}
