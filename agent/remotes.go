package agent

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
	"github.com/vtep/vtep/trace"
	"github.com/vtep/vtep/underlay"
)

// Remote VTEPs in multicast mode. The other VTEPs are not configured there:
// table mac (30) learns them, a learned-remote entry loading the VTEP's
// address into reg2. OVS's tunnel neighbour cache gets each of them from
// the data plane as soon as its first flood arrives (the join flow keys
// OVS's cached flow on the outer source, see pipeline.RegUnderlaySrcIP).
// The keeper below makes sure the entries stay: every remotesPeriod (longer
// with a large table, see paced) it
// reads the learned-remote flows (one cookie-masked flow-stats request on
// table mac only) and OVS's cache, and resolves through the host's kernel,
// as for replication peers (underlay.PeerNeighbor), each learned VTEP that
// OVS's cache lacks, and each whose entry vtepd last set more than
// remotesRefresh ago: OVS 3.1 ages entries nobody looks up for 15 minutes,
// which a VTEP whose MACs only send (they stay learned) would reach.
// Learned addresses are chosen by whoever sends on the underlay, so only
// those underlay.CheckRemote allows, and that OVS's router reaches directly
// through the underlay bridge (underlay.CheckOnLink), are resolved, at most
// remotesInFlight at once; a failure or refusal waits remotesRetry.
const (
	remotesPeriod   = 2 * time.Second
	remotesRefresh  = 5 * time.Minute
	remotesRetry    = 30 * time.Second
	remotesInFlight = 8
	remotesTimeout  = 10 * time.Second
)

// Results of one remote VTEP resolution, the result label of
// vtepd_remote_vtep_resolutions_total.
const (
	resultResolved  = "resolved"  // OVS's cache lacked it; now set
	resultRefreshed = "refreshed" // it was there; set again
	resultFailed    = "failed"    // no ARP answer, or OVS refused the entry
	resultSkipped   = "skipped"   // an address vtepd never resolves (counted once while learned)
)

// remoteKeeper keeps OVS's tunnel neighbour entries of the learned remote
// VTEPs resolved.
type remoteKeeper struct {
	a *Agent

	mu      sync.Mutex
	state   map[netip.Addr]underlay.RemoteState
	skipped map[netip.Addr]bool

	resolutions *prometheus.CounterVec
	learned     prometheus.Gauge
	gate        *burstGate // defers reads during a burst of learning (burst.go)
}

func newRemoteKeeper(a *Agent) *remoteKeeper {
	k := &remoteKeeper{
		a:       a,
		state:   map[netip.Addr]underlay.RemoteState{},
		skipped: map[netip.Addr]bool{},
		resolutions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "remote_vtep_resolutions_total",
			Help: "Learned remote VTEPs resolved into OVS's tunnel neighbour cache, by result (resolved, refreshed, failed, skipped).",
		}, []string{"result"}),
		learned: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "remote_vteps",
			Help: "Remote VTEPs behind learned MACs (multicast mode), at the keeper's last pass.",
		}),
	}
	k.gate = newBurstGate(a, "remote-vteps")
	for _, r := range []string{resultResolved, resultRefreshed, resultFailed, resultSkipped} {
		k.resolutions.WithLabelValues(r)
	}
	if a.metrics != nil {
		a.metrics.reg.MustRegister(k.resolutions, k.learned)
	}
	return k
}

// run makes a pass every remotesPeriod, or less often when a pass is slow
// (paced, readShare) or the table grows fast (burst.go), until ctx ends.
func (k *remoteKeeper) run(ctx context.Context) {
	paced(ctx, remotesPeriod, readShare, func() {
		if err := k.pass(ctx); err != nil {
			k.a.log.WithError(err).Debug("remote VTEPs: pass skipped")
		}
	})
}

// pass reads the learned remote VTEPs and OVS's cache and starts the
// resolutions PlanRemotes asks for.
func (k *remoteKeeper) pass(ctx context.Context) error {
	cfg := k.a.config()
	if (cfg.Flood.Mode != config.FloodMulticast && k.a.evpn == nil) || k.a.unixctl == nil {
		return nil
	}
	if k.a.shouldDefer(ctx, k.gate) {
		return nil
	}
	learned, err := k.a.learnedRemotes(ctx)
	if err != nil {
		return err
	}
	if k.a.evpn != nil {
		// VTEPs known from BGP: resolved before the first frame to them
		for _, r := range k.a.evpn.view() {
			for _, ip := range evpnRemoteVTEPs(r) {
				if _, ok := learned[ip]; !ok {
					learned[ip] = 0
				}
			}
		}
	}
	cache, err := k.a.neighborCache(ctx, cfg)
	if err != nil {
		return err
	}
	check, err := remoteCheck(cfg)
	if err != nil {
		return err
	}
	ips := make([]netip.Addr, 0, len(learned))
	for ip := range learned {
		ips = append(ips, ip)
	}
	k.learned.Set(float64(len(ips)))
	now := time.Now()
	k.mu.Lock()
	k.prune(learned)
	busy := 0
	for _, st := range k.state {
		if st.Busy {
			busy++
		}
	}
	plan := underlay.PlanRemotes(ips, cache, k.state, now, remotesRefresh, remotesInFlight-busy, check)
	for _, ip := range plan.Fresh {
		k.state[ip] = underlay.RemoteState{LastSet: now}
	}
	for _, ip := range plan.Resolve {
		st := k.state[ip]
		st.Busy = true
		k.state[ip] = st
	}
	k.noteSkipped(plan.Skip)
	k.mu.Unlock()
	for _, ip := range plan.Resolve {
		_, cached := cache[ip]
		go k.resolve(ctx, cfg, ip, cached)
	}
	return nil
}

// prune forgets VTEPs no longer learned. Called with k.mu held.
func (k *remoteKeeper) prune(learned map[netip.Addr]int) {
	for ip, st := range k.state {
		if _, ok := learned[ip]; !ok && !st.Busy {
			delete(k.state, ip)
		}
	}
	for ip := range k.skipped {
		if _, ok := learned[ip]; !ok {
			delete(k.skipped, ip)
		}
	}
}

// noteSkipped logs and counts each refused address once while it stays
// learned. Called with k.mu held.
func (k *remoteKeeper) noteSkipped(skip map[netip.Addr]error) {
	for ip, why := range skip {
		if k.skipped[ip] {
			continue
		}
		k.skipped[ip] = true
		k.resolutions.WithLabelValues(resultSkipped).Inc()
		k.a.log.WithFields(logrus.Fields{"vtep": ip.String(), "result": resultSkipped}).WithError(why).
			Warn("learned remote VTEP address not resolved")
	}
}

// resolve resolves one remote VTEP into OVS's cache and records the result.
func (k *remoteKeeper) resolve(ctx context.Context, cfg *config.Config, ip netip.Addr, cached bool) {
	ctx, cancel := context.WithTimeout(ctx, remotesTimeout)
	defer cancel()
	start := time.Now()
	if err := k.onLink(ctx, cfg, ip); err != nil {
		k.refused(ip, err)
		return
	}
	p := underlay.PeerNeighbor{Peer: net.IP(ip.AsSlice()), Bridge: cfg.Underlay.Bridge, Local: cfg.Underlay.LocalIP.Addr().AsSlice()}
	changed, err := p.Ensure(ctx, k.a.unixctl)
	result := resultRefreshed
	switch {
	case err != nil:
		result = resultFailed
	case changed || !cached:
		result = resultResolved
	}
	k.mu.Lock()
	st := k.state[ip]
	st.Busy = false
	if err != nil {
		st.RetryAt = time.Now().Add(remotesRetry)
	} else {
		st.LastSet, st.RetryAt = time.Now(), time.Time{}
	}
	k.state[ip] = st
	k.mu.Unlock()
	k.resolutions.WithLabelValues(result).Inc()
	l := k.a.log.WithFields(logrus.Fields{"vtep": ip.String(), "result": result, "took": time.Since(start).Round(time.Microsecond).String()})
	switch {
	case err != nil:
		l.WithError(err).Warn("remote VTEP not resolved; retrying later")
	case result == resultResolved:
		l.Info("remote VTEP resolved in OVS's neighbour cache")
	default:
		l.Debug("remote VTEP's neighbour entry refreshed")
	}
}

// onLink asks OVS's tunnel router whether it reaches ip directly through
// the underlay bridge: only then is ip's own neighbour entry the one OVS
// uses (a routed VTEP's next hop is the gateway, which OVS resolves).
func (k *remoteKeeper) onLink(ctx context.Context, cfg *config.Config, ip netip.Addr) error {
	r, err := underlay.LookupNextHop(ctx, k.a.unixctl, ip)
	if err != nil {
		return fmt.Errorf("remote VTEP %s: %w: %w", ip, underlay.ErrNotResolvable, err)
	}
	return underlay.CheckOnLink(ip, r, cfg.Underlay.Bridge)
}

// refused ends a resolution the router check refused: the address is
// checked again after remotesRetry (routes change), and counted and
// logged once while it stays learned.
func (k *remoteKeeper) refused(ip netip.Addr, why error) {
	k.mu.Lock()
	st := k.state[ip]
	st.Busy, st.RetryAt = false, time.Now().Add(remotesRetry)
	k.state[ip] = st
	k.noteSkipped(map[netip.Addr]error{ip: why})
	k.mu.Unlock()
}

// learnedRemotes reads the learned-remote entries of table mac and returns
// each remote VTEP with the number of MACs learned behind it.
func (a *Agent) learnedRemotes(ctx context.Context) (map[netip.Addr]int, error) {
	out := map[netip.Addr]int{}
	var d learnedDecoder
	err := a.eachLearned(ctx, pipeline.NewCookie(pipeline.FeatureLearnedRemote, 0), pipeline.CookieFeatureMask, 0, func(f *ofapp.FlowStats) error {
		e, ok := d.decode(f, trace.Ports{})
		if !ok || !e.Remote {
			return nil
		}
		ip, err := netip.ParseAddr(e.VTEP)
		if e.VTEP == "" || err != nil {
			ip = netip.IPv4Unspecified() // reg2 was 0: refused by CheckRemote
		}
		out[ip]++
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// neighborCache reads OVS's tunnel neighbour cache of the underlay bridge.
func (a *Agent) neighborCache(ctx context.Context, cfg *config.Config) (map[netip.Addr]underlay.Neighbor, error) {
	show, err := a.unixctl.Call(ctx, "tnl/neigh/show")
	if err != nil {
		return nil, fmt.Errorf("read OVS's tunnel neighbour cache: %w", err)
	}
	return underlay.ParseNeighbors(show, cfg.Underlay.Bridge), nil
}

// remoteCheck returns the filter of addresses vtepd may resolve as remote
// VTEPs under cfg (see underlay.CheckRemote).
func remoteCheck(cfg *config.Config) (func(netip.Addr) error, error) {
	gws, err := cfg.MulticastGateways()
	if err != nil {
		return nil, fmt.Errorf("remote VTEPs: %w", err)
	}
	reserved := make([]netip.Addr, 0, len(gws))
	for _, g := range gws {
		reserved = append(reserved, g.Gateway)
	}
	local := cfg.Underlay.LocalIP
	return func(ip netip.Addr) error { return underlay.CheckRemote(ip, local, reserved) }, nil
}
