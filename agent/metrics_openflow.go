package agent

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vtep/vtep/ofapp"
)

var (
	descOFConnections = prometheus.NewDesc(metricsNamespace+"_openflow_connections",
		"OpenFlow connections vtepd accepted and keeps, by state (handshake, session).", []string{"state"}, nil)
	descOFRefused = prometheus.NewDesc(metricsNamespace+"_openflow_connections_refused_total",
		"OpenFlow connections refused, by reason.", []string{"reason"}, nil)
)

// openflowCollector reports the controller's connection counts.
type openflowCollector struct{ a *Agent }

// Describe sends the collector's descriptions.
func (c *openflowCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descOFConnections
	ch <- descOFRefused
}

// Collect reads the controller's connection counts (none before it runs).
func (c *openflowCollector) Collect(ch chan<- prometheus.Metric) {
	ctrl := c.a.ctrl
	if ctrl == nil {
		return
	}
	st := ctrl.ConnStats()
	ch <- prometheus.MustNewConstMetric(descOFConnections, prometheus.GaugeValue, float64(st.Handshaking), "handshake")
	ch <- prometheus.MustNewConstMetric(descOFConnections, prometheus.GaugeValue, float64(st.Connections-st.Handshaking), "session")
	for _, r := range ofapp.RefuseReasons {
		ch <- prometheus.MustNewConstMetric(descOFRefused, prometheus.CounterValue, float64(st.Refused[r]), r)
	}
}
