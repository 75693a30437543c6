package agent

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// Prometheus metrics on metrics.listen (opt-in). Counters of vtepd's own
// work (flow-mods, bundles and their commit latency) are kept as they
// happen; everything the switch counts (learned MACs, flooded and dropped
// packets) is read from flow stats at scrape time, so a scrape costs one
// flow-stats request to the overlay bridge and nothing when nobody scrapes.

// metricsNamespace prefixes every metric name.
const metricsNamespace = "vtepd"

// scrapeTimeout bounds the flow-stats requests of one scrape.
const scrapeTimeout = 5 * time.Second

// agentMetrics holds the metrics vtepd updates as it works.
type agentMetrics struct {
	reg           *prometheus.Registry
	flowMods      *prometheus.CounterVec
	bundles       *prometheus.CounterVec
	bundleLatency *prometheus.HistogramVec
}

func newAgentMetrics(a *Agent) *agentMetrics {
	m := &agentMetrics{
		reg: prometheus.NewRegistry(),
		flowMods: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "flow_mods_total",
			Help: "Flow and group changes sent to a bridge in committed bundles.",
		}, []string{"bridge"}),
		bundles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "bundle_commits_total",
			Help: "Bundles sent to a bridge, by result (ok or error).",
		}, []string{"bridge", "result"}),
		bundleLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Name: "bundle_commit_seconds",
			Help:    "Time from sending a bundle to its commit reply.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"bridge"}),
	}
	m.reg.MustRegister(m.flowMods, m.bundles, m.bundleLatency, &switchCollector{a: a}, ovsDropsCollector{a: a}, &openflowCollector{a: a}, evpnCollector{a: a})
	return m
}

// observeBundle records one bundle sent to the bridge of sw.
func (a *Agent) observeBundle(sw Switch, changes int, took time.Duration, err error) {
	if a.metrics == nil {
		return
	}
	b := a.bridgeOf(sw)
	if err != nil {
		a.metrics.bundles.WithLabelValues(b, "error").Inc()
		return
	}
	a.metrics.bundles.WithLabelValues(b, "ok").Inc()
	a.metrics.flowMods.WithLabelValues(b).Add(float64(changes))
	a.metrics.bundleLatency.WithLabelValues(b).Observe(took.Seconds())
}

// bridgeOf names the bridge a switch connection belongs to.
func (a *Agent) bridgeOf(sw Switch) string {
	cfg := a.config()
	if sw.DPID() == a.overlayDPID {
		return cfg.Bridge
	}
	return cfg.Underlay.Bridge
}

// MetricsHandler returns the handler serving the agent's metrics.
func (a *Agent) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(a.metrics.reg, promhttp.HandlerOpts{ErrorLog: logrusPrinter{a.log}})
}

// ServeMetrics serves /metrics on cfg.Metrics.Listen until ctx ends; an
// empty address turns metrics off.
func (a *Agent) ServeMetrics(ctx context.Context) error {
	cfg := a.config()
	if cfg.Metrics.Listen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", cfg.Metrics.Listen)
	if err != nil {
		return fmt.Errorf("metrics.listen %q: %w", cfg.Metrics.Listen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.MetricsHandler())
	a.registerHealth(mux)
	a.log.WithField("listen", ln.Addr().String()).Info("serving metrics")
	return serveHTTP(ctx, ln, mux, "metrics")
}

type logrusPrinter struct{ l *logrus.Entry }

func (p logrusPrinter) Println(v ...any) { p.l.Warn(fmt.Sprint(v...)) }

// switchCollector reads, at scrape time, the agent's counters and what the
// overlay bridge's flows counted.
type switchCollector struct{ a *Agent }

var (
	descConnected = prometheus.NewDesc(metricsNamespace+"_switch_connected",
		"1 when vtepd's OpenFlow connection to the bridge is up.", []string{"bridge", "role"}, nil)
	descLearned = prometheus.NewDesc(metricsNamespace+"_learned_macs",
		"MACs learned in the VNI (flows the learn actions made in table mac).", []string{"vni"}, nil)
	descFlooded = prometheus.NewDesc(metricsNamespace+"_flooded_packets_total",
		"Frames of the VNI flooded (n_packets of its flood table flows).", []string{"vni"}, nil)
	descMACLimit = prometheus.NewDesc(metricsNamespace+"_mac_limit_refused_packets_total",
		"Frames whose source MAC was not learned because its network or port is at max_macs (still forwarded), by VNI.", []string{"vni"}, nil)
	descPaused = prometheus.NewDesc(metricsNamespace+"_learning_paused_places",
		"Places (local ports, remote VTEPs) that paused learning in the VNI for 10 s because max_macs refused a burst of new source MACs, the last from them (learn-pause entries).", []string{"vni"}, nil)
	descARPRequests = prometheus.NewDesc(metricsNamespace+"_arp_requests_total",
		"ARP requests and neighbour solicitations from local ports of a network with ARP suppression, by VNI and result: answered by the VTEP, or flooded (n_packets of the arp-reply, nd-reply and arp-flood flows).", []string{"vni", "result"}, nil)
	descARPBindings = prometheus.NewDesc(metricsNamespace+"_arp_bindings",
		"ARP suppression bindings (IP -> MAC) in table neigh, by VNI and source (learned or static).", []string{"vni", "source"}, nil)
	descDropped = prometheus.NewDesc(metricsNamespace+"_dropped_packets_total",
		"Frames vtep's flows dropped on purpose (n_packets of the drop flows), by reason.", []string{"reason"}, nil)
	descFlows = prometheus.NewDesc(metricsNamespace+"_flows",
		"Flows installed on the overlay bridge per table, learned or programmed.", []string{"table", "kind"}, nil)
	descReconciles = prometheus.NewDesc(metricsNamespace+"_reconciles_total",
		"Reconciles run.", nil, nil)
	descErrors = prometheus.NewDesc(metricsNamespace+"_reconcile_errors_total",
		"Reconciles that failed (and were retried).", nil, nil)
	descReconcileSeconds = prometheus.NewDesc(metricsNamespace+"_last_reconcile_seconds",
		"Duration of the last reconcile.", nil, nil)
	descPacketIns = prometheus.NewDesc(metricsNamespace+"_packet_ins_total",
		"Packets the switches sent to vtepd (the pipeline needs none).", nil, nil)
	descReloads = prometheus.NewDesc(metricsNamespace+"_config_reloads_total",
		"Configuration reloads, by result: applied, rejected (nothing changed) or failed (accepted, not yet programmed).", []string{"result"}, nil)
	descReloadRejections = prometheus.NewDesc(metricsNamespace+"_config_reload_rejections_total",
		"Configuration reloads refused whole, by reason: unreadable, invalid or restart-only.", []string{"reason"}, nil)
	descHealthy = prometheus.NewDesc(metricsNamespace+"_healthy",
		"1 when every health check passes (what /readyz and vtepctl status report).", nil, nil)
	descHealthCheck = prometheus.NewDesc(metricsNamespace+"_health_check_ok",
		"1 when the health check passes, by check.", []string{"check"}, nil)
	descRxRepairs = prometheus.NewDesc(metricsNamespace+"_tunnel_receive_repairs_total",
		"Times vtepd found OVS not listening for VXLAN on the VTEP address and re-registered it.", nil, nil)
	descScrapeErrors = prometheus.NewDesc(metricsNamespace+"_flow_stats_up",
		"1 when this scrape could read the overlay bridge's flow stats.", nil, nil)
)

// Describe sends the collector's descriptions.
func (c *switchCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConnected, descLearned, descFlooded, descDropped, descMACLimit, descFlows,
		descReconciles, descErrors, descReconcileSeconds, descPacketIns, descReloads, descScrapeErrors,
		descHealthy, descHealthCheck, descRxRepairs, descReloadRejections, descBUMDropped, descARPRequests, descARPBindings, descPaused} {
		ch <- d
	}
}

// Collect reads the counters and the overlay bridge's flow stats.
func (c *switchCollector) Collect(ch chan<- prometheus.Metric) {
	a := c.a
	cfg := a.config()
	stats, _, _ := a.Snapshot()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	over, err := a.overlaySwitch()
	_, under := a.connected()
	gauge(descConnected, b2f(err == nil), cfg.Bridge, api.BridgeOverlay)
	gauge(descConnected, b2f(under), cfg.Underlay.Bridge, api.BridgeUnderlay)
	counter(descReconciles, float64(stats.Reconciles))
	counter(descErrors, float64(stats.Errors))
	gauge(descReconcileSeconds, stats.LastDuration.Seconds())
	counter(descPacketIns, float64(a.PacketIns()))
	counter(descReloads, float64(stats.ConfigReloads), "applied")
	counter(descReloads, float64(stats.ReloadRejected), "rejected")
	counter(descReloads, float64(stats.ReloadFailed), "failed")
	for _, r := range []string{RejectUnreadable, RejectInvalid, RejectRestartOnly} {
		counter(descReloadRejections, float64(stats.ReloadRejections[r]), r)
	}
	h := a.Health()
	gauge(descHealthy, b2f(h.Healthy))
	for _, c := range h.Checks {
		gauge(descHealthCheck, b2f(c.OK), c.Name)
	}
	counter(descRxRepairs, float64(a.TunnelRxRepairs()))
	if err != nil {
		gauge(descScrapeErrors, 0)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	fm := newFlowCounts()
	err = eachFlowCounters(ctx, over, allTables, uint64(pipeline.VtepValue), uint64(pipeline.VtepMask), func(f *ofapp.FlowStats) error {
		fm.add(f)
		return nil
	})
	if err != nil {
		a.log.WithError(err).Warn("metrics: read flow stats")
		gauge(descScrapeErrors, 0)
		return
	}
	gauge(descScrapeErrors, 1)
	a.countOversize(ctx, fm.Dropped)
	for _, n := range cfg.Networks {
		// every configured VNI is reported, 0 included
		fm.Learned[n.VNI] += 0
		fm.Flooded[n.VNI] += 0
	}
	for vni, n := range fm.Learned {
		gauge(descLearned, float64(n), strconv.FormatUint(uint64(vni), 10))
	}
	for vni, n := range fm.Flooded {
		counter(descFlooded, float64(n), strconv.FormatUint(uint64(vni), 10))
	}
	for vni, n := range fm.Refused {
		counter(descMACLimit, float64(n), strconv.FormatUint(uint64(vni), 10))
		gauge(descPaused, float64(fm.Paused[vni]), strconv.FormatUint(uint64(vni), 10))
	}
	for vni, n := range fm.ARPAnswered {
		counter(descARPRequests, float64(n), strconv.FormatUint(uint64(vni), 10), "answered")
		counter(descARPRequests, float64(fm.ARPFlooded[vni]), strconv.FormatUint(uint64(vni), 10), "flooded")
	}
	for k, n := range fm.Bindings {
		gauge(descARPBindings, float64(n), strconv.FormatUint(uint64(k.vni), 10), k.source)
	}
	for _, reason := range pipeline.DropReasons() {
		counter(descDropped, float64(fm.Dropped[reason]), reason)
	}
	for k, n := range fm.Flows {
		gauge(descFlows, float64(n), k.table, k.kind)
	}
	a.collectBUMDrops(ctx, ch)
}

// overlaySwitch returns the overlay bridge's connection.
func (a *Agent) overlaySwitch() (Switch, error) {
	sw, _, err := a.switchFor(api.BridgeOverlay)
	return sw, err
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// FlowCounts are the numbers the metrics take from one read of vtep's flows.
type FlowCounts struct {
	Learned map[uint32]int    // learned MACs per VNI
	Flooded map[uint32]uint64 // n_packets of flood flows per VNI
	Dropped map[string]uint64 // n_packets of drop flows per reason (pipeline.Feature.DropReason)
	Refused map[uint32]uint64 // n_packets of mac-limit and learning-paused flows per VNI: sources not learned
	Paused  map[uint32]int    // learn-pause entries per VNI: places that paused learning
	Flows   map[flowKind]int
	// ARP suppression, per VNI with a responder: requests answered
	// (arp-reply flows) and flooded (its arp-flood flow); bindings by
	// source.
	ARPAnswered map[uint32]uint64
	ARPFlooded  map[uint32]uint64
	Bindings    map[bindingKind]int
}

type bindingKind struct {
	vni    uint32
	source string
}

type flowKind struct{ table, kind string }

// FlowMetrics counts learned MACs, flooded and dropped packets and flows
// per table from the overlay bridge's vtep flows.
func FlowMetrics(fs []ofapp.FlowStats) FlowCounts {
	fc := newFlowCounts()
	for i := range fs {
		fc.add(&fs[i])
	}
	return fc
}

func newFlowCounts() FlowCounts {
	return FlowCounts{Learned: map[uint32]int{}, Flooded: map[uint32]uint64{}, Dropped: map[string]uint64{}, Refused: map[uint32]uint64{}, Paused: map[uint32]int{},
		Flows: map[flowKind]int{}, ARPAnswered: map[uint32]uint64{}, ARPFlooded: map[uint32]uint64{}, Bindings: map[bindingKind]int{}}
}

// add counts one flow; it reads only the flow's table, cookie and counters.
func (fc *FlowCounts) add(f *ofapp.FlowStats) {
	c := pipeline.Cookie(f.Cookie)
	feat := c.Feature()
	kind := "programmed"
	if feat.Learned() {
		kind = "learned"
	}
	name := pipeline.TableName(f.Table)
	if name == "" {
		name = strconv.Itoa(int(f.Table))
	}
	fc.Flows[flowKind{name, kind}]++
	switch feat {
	case pipeline.FeatureLearnedRemote, pipeline.FeatureLearnedLocal:
		fc.Learned[c.VNI()]++
	case pipeline.FeatureFlood:
		fc.Flooded[c.VNI()] += f.Packets
	case pipeline.FeatureMACLimit, pipeline.FeatureLearningPaused:
		fc.Refused[c.VNI()] += f.Packets
	case pipeline.FeatureLearnedPause:
		fc.Paused[c.VNI()]++
	default:
		fc.countARP(feat, c.VNI(), f.Packets)
	}
	if r := feat.DropReason(); r != "" {
		fc.Dropped[r] += f.Packets
	}
}

// countARP adds a flow of ARP suppression to the counts: the responder's
// flows of a VNI (ARP replies and ND advertisements answered) (the shared fallback, VNI 0, is not a network's) and the
// bindings of table neigh.
func (fc *FlowCounts) countARP(feat pipeline.Feature, vni uint32, packets uint64) {
	switch {
	case vni == 0:
	case feat == pipeline.FeatureARPReply, feat == pipeline.FeatureNDReply:
		fc.ARPAnswered[vni] += packets
	case feat == pipeline.FeatureARPFlood:
		fc.ARPAnswered[vni] += 0
		fc.ARPFlooded[vni] += packets
	case feat == pipeline.FeatureLearnedNeigh:
		fc.Bindings[bindingKind{vni, "learned"}]++
	case feat == pipeline.FeatureNeighStatic:
		fc.Bindings[bindingKind{vni, "static"}]++
	}
}
