package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/ovsdb"
	"github.com/vtep/vtep/pipeline"
	"github.com/vtep/vtep/underlay"
)

// Agent is vtepd's core: it owns the overlay bridge, programs the underlay
// bridge's join flows, keeps the tunnel routes and IGMP memberships of the
// groups in use, and keeps the installed flows equal to what the pipeline
// wants, applying only differences, each in one bundle.
type Agent struct {
	log *logrus.Entry

	cfgMu sync.RWMutex
	cfg   *config.Config

	db      *ovsdb.Client
	ctrl    *ofapp.Controller
	unixctl *underlay.Unixctl
	igmp    *underlay.Membership

	overlayDPID  uint64
	underlaySw   atomic.Pointer[ofapp.Switch]
	routes       map[string]underlay.GroupRoute // group -> route installed
	reconcileMu  sync.Mutex
	kick         chan string
	packetIns    atomic.Uint64
	stats        Stats
	statsMu      sync.Mutex
	lastState    pipeline.State
	lastResult   pipeline.Result
	readyOnce    sync.Once
	ready        chan struct{}
	resyncPeriod time.Duration
	metrics      *agentMetrics
}

// Stats are counters the agent keeps about its own work.
type Stats struct {
	Reconciles     uint64
	FlowMods       uint64 // flows and groups added, modified or deleted
	Bundles        uint64 // bundles committed
	LastReconcile  time.Time
	LastDuration   time.Duration
	LastError      string
	LastErrorTime  time.Time
	Errors         uint64
	ConfigReloads  uint64
	ReloadRejected uint64
}

// New returns an agent for a validated configuration.
func New(cfg *config.Config, log *logrus.Entry) *Agent {
	if log == nil {
		log = logrus.NewEntry(logrus.StandardLogger())
	}
	a := &Agent{
		log:          log,
		cfg:          cfg,
		routes:       map[string]underlay.GroupRoute{},
		kick:         make(chan string, 1),
		ready:        make(chan struct{}),
		resyncPeriod: 30 * time.Second,
	}
	a.metrics = newAgentMetrics(a)
	return a
}

func (a *Agent) config() *config.Config {
	a.cfgMu.RLock()
	defer a.cfgMu.RUnlock()
	return a.cfg
}

// ErrNotConnected says a bridge vtepd programs has no OpenFlow session (yet).
var ErrNotConnected = errors.New("not connected")

func (a *Agent) isReady() bool {
	select {
	case <-a.ready:
		return true
	default:
		return false
	}
}

// Ready is closed after the first successful reconcile.
func (a *Agent) Ready() <-chan struct{} { return a.ready }

// PacketIns returns how many packets the switches sent to vtepd. The
// pipeline never needs one: learning happens in OVS.
func (a *Agent) PacketIns() uint64 { return a.packetIns.Load() }

// Run configures OVS, programs it and keeps it programmed until ctx ends.
// It returns an error when start-up fails; later errors are logged, counted
// and retried.
func (a *Agent) Run(ctx context.Context) error {
	cfg := a.config()
	db, err := ovsdb.Dial(ctx, cfg.OVSDB, ovsdb.WithLogger(a.log.WithField("component", "ovsdb")))
	if err != nil {
		return fmt.Errorf("ovsdb %s: %w", cfg.OVSDB, err)
	}
	a.db = db
	defer db.Close()
	path, err := unixctlPath(cfg)
	if err != nil {
		return err
	}
	a.unixctl = &underlay.Unixctl{Path: path}

	if err := prepareSocketDir(cfg.OpenFlow.Listen); err != nil {
		return err
	}
	if dir, run := listenDir(cfg.OpenFlow.Listen), ovsRunDir(cfg); dir != "" && run != "" && dir != run {
		// ovs-vswitchd refuses unix controller sockets outside its run dir.
		a.log.WithFields(logrus.Fields{"openflow.listen": cfg.OpenFlow.Listen, "ovs_rundir": run}).
			Warn("openflow.listen is outside OVS's run directory; ovs-vswitchd will not connect to it")
	}
	ln, err := ofapp.Listen(cfg.OpenFlow.Listen)
	if err != nil {
		return fmt.Errorf("openflow.listen: %w", err)
	}
	a.ctrl = ofapp.NewController(ofapp.Config{
		Logger:     a.log.WithField("component", "openflow"),
		OnPacketIn: func(*ofapp.Switch, ofapp.PacketIn) { a.packetIns.Add(1) },
	})
	defer a.ctrl.Close()
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.ctrl.Serve(ctx, ln) }()

	if err := a.ensureBridges(ctx); err != nil {
		return err
	}
	if cfg.Flood.Mode == config.FloodMulticast {
		m, err := underlay.NewMembership(cfg.Underlay.LocalIP.Addr().AsSlice())
		if err != nil {
			return err
		}
		a.igmp = m
		defer m.Close()
	}
	go a.underlayLoop(ctx)
	go a.eventLoop(ctx)
	apiErr := make(chan error, 2)
	go func() { apiErr <- a.ServeAPI(ctx) }()
	go func() { apiErr <- a.ServeMetrics(ctx) }()

	a.Kick("start")
	ticker := time.NewTicker(a.resyncPeriod)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			a.log.Info("stopping; the switches keep their flows")
			return nil
		case err := <-serveErr:
			if err != nil {
				return err
			}
			return nil
		case err := <-apiErr:
			if err != nil {
				return err
			}
		case reason := <-a.kick:
			a.reconcileAndLog(ctx, reason)
		case <-ticker.C:
			a.reconcileAndLog(ctx, "periodic resync")
		}
	}
}

// Kick asks for a reconcile soon; kicks that arrive while one is pending merge.
func (a *Agent) Kick(reason string) {
	select {
	case a.kick <- reason:
	default:
	}
}

func (a *Agent) reconcileAndLog(ctx context.Context, reason string) {
	start := time.Now()
	n, err := a.Reconcile(ctx)
	// A bridge that has not connected yet is not a failure: its connection
	// kicks a reconcile. Count it only once vtepd has been ready.
	waiting := errors.Is(err, ErrNotConnected) && !a.isReady()
	a.statsMu.Lock()
	a.stats.Reconciles++
	a.stats.LastReconcile = start
	a.stats.LastDuration = time.Since(start)
	if err != nil && !waiting {
		a.stats.Errors++
		a.stats.LastError = err.Error()
		a.stats.LastErrorTime = time.Now()
	}
	a.statsMu.Unlock()
	l := a.log.WithFields(logrus.Fields{"reason": reason, "changes": n, "took": time.Since(start).Round(time.Microsecond).String()})
	if err != nil {
		if waiting {
			l.WithError(err).Info("waiting for the bridges to connect")
		} else {
			l.WithError(err).Warn("reconcile failed; will retry")
		}
		// retry soon, without spinning
		go func() {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
				a.Kick("retry after error")
			}
		}()
		return
	}
	if n > 0 {
		l.Info("reconciled")
	} else {
		l.Debug("reconciled, nothing to change")
	}
	a.readyOnce.Do(func() { close(a.ready) })
}

// ensureBridges makes the overlay bridge (secure fail mode, OpenFlow 1.3,
// vtepd as controller, named tables) and its VXLAN port, and checks the
// underlay bridge and uplink exist.
func (a *Agent) ensureBridges(ctx context.Context) error {
	cfg := a.config()
	names := map[int]string{}
	for _, t := range pipeline.Tables() {
		names[int(t.ID)] = t.Name
	}
	changed, err := a.db.EnsureBridge(ctx, ovsdb.BridgeSpec{
		Name:         cfg.Bridge,
		DatapathType: cfg.DatapathType,
		FailMode:     ovsdb.FailSecure,
		Protocols:    []string{"OpenFlow13"},
		Controllers:  []string{cfg.OpenFlow.Listen},
		// A restarted vtepd gets its bridge back within a second, not
		// OVS's default of up to eight.
		ControllerMaxBackoff: 1000,
		DisableInBand:        true,
		TableNames:           names,
	})
	if err != nil {
		return err
	}
	v := ovsdb.VXLAN{Name: TunnelPortName, DstPort: int(cfg.Underlay.UDPPort)}
	ofport, vchanged, err := a.db.EnsureVXLANPort(ctx, cfg.Bridge, v)
	if err != nil {
		return err
	}
	a.log.WithFields(logrus.Fields{"bridge": cfg.Bridge, "changed": changed || vchanged, "tunnel_ofport": ofport}).Info("overlay bridge ready")
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	dpid, err := a.db.DatapathID(dctx, cfg.Bridge)
	if err != nil {
		return err
	}
	a.overlayDPID = dpid
	if _, err := a.readUnderlay(dctx); err != nil {
		return err
	}
	return nil
}

// underlayLoop keeps an OpenFlow connection to the underlay bridge's
// management socket. The underlay bridge keeps standalone fail mode and no
// controller, so it switches normally whatever happens to vtepd; vtepd only
// adds its join flows (which persist if vtepd stops).
func (a *Agent) underlayLoop(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		cfg := a.config()
		target := "unix:" + mgmtPath(cfg)
		sw, err := a.ctrl.Connect(ctx, target)
		if err != nil {
			a.log.WithFields(logrus.Fields{"target": target}).WithError(err).Debug("underlay bridge not reachable yet")
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		a.underlaySw.Store(sw)
		a.log.WithFields(logrus.Fields{"target": target, "dpid": ofapp.DPIDString(sw.DPID())}).Info("connected to underlay bridge")
		a.Kick("underlay bridge connected")
		select {
		case <-ctx.Done():
			return
		case <-sw.Done():
			a.underlaySw.CompareAndSwap(sw, nil)
			a.log.WithError(sw.Err()).Warn("underlay bridge connection lost")
		}
	}
}

// eventLoop turns switch events into reconciles: a (re)connected overlay
// bridge and any port change on it.
func (a *Agent) eventLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-a.ctrl.Events():
			if !ok {
				return
			}
			if ev.DPID != a.overlayDPID {
				continue
			}
			switch ev.Type {
			case ofapp.SwitchConnected:
				a.Kick("overlay bridge connected")
			case ofapp.PortAdded, ofapp.PortDeleted, ofapp.PortModified:
				a.log.WithFields(logrus.Fields{"port": ev.Port.Name, "ofport": ev.Port.No, "event": ev.Type.String()}).Info("port changed")
				reason := "port " + ev.Port.Name + " " + ev.Type.String()
				a.Kick(reason)
				if ev.Type != ofapp.PortDeleted {
					// ovs-vswitchd announces a port before it writes the
					// port's ofport to OVSDB, where vtepd reads ports from:
					// reconcile again once the ofport is there.
					go a.kickWhenOfport(ctx, ev.Port.Name, reason)
				}
			}
		}
	}
}

// kickWhenOfport waits (a few seconds at most) until OVSDB shows the
// interface's ofport, then asks for a reconcile.
func (a *Agent) kickWhenOfport(ctx context.Context, iface, reason string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := a.db.WaitOfport(ctx, iface); err != nil {
		a.log.WithField("port", iface).WithError(err).Debug("no ofport in OVSDB")
		return
	}
	a.Kick(reason + " (ofport in OVSDB)")
}

// Reconcile reads OVSDB, builds the pipeline and applies the difference to
// each bridge in one bundle; it also keeps routes and memberships of the
// groups in use. It returns how many changes it made.
func (a *Agent) Reconcile(ctx context.Context) (int, error) {
	a.reconcileMu.Lock()
	defer a.reconcileMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	st, err := a.readState(ctx)
	if err != nil {
		return 0, err
	}
	res, err := pipeline.Build(st)
	if err != nil {
		return 0, err
	}
	total := 0
	if st.Config.Flood.Mode == config.FloodReplication {
		// before the flood flows use them
		total += a.resolvePeers(ctx, st.Config)
	}
	over, ok := a.ctrl.Switch(a.overlayDPID)
	if !ok {
		return 0, fmt.Errorf("overlay bridge %s (dpid %s): %w", st.Config.Bridge, ofapp.DPIDString(a.overlayDPID), ErrNotConnected)
	}
	n, err := a.apply(ctx, over, res.Overlay, res.Groups)
	total += n
	if err != nil {
		return total, fmt.Errorf("overlay bridge %s: %w", st.Config.Bridge, err)
	}
	n, err = a.reconcileUnderlay(ctx, st.Config, res.Underlay)
	total += n
	a.statsMu.Lock()
	a.lastState, a.lastResult = st, res
	a.statsMu.Unlock()
	return total, err
}

func (a *Agent) reconcileUnderlay(ctx context.Context, cfg *config.Config, flows []ofapp.Flow) (int, error) {
	total := 0
	var errs []error
	sw := a.underlaySw.Load()
	if sw == nil {
		errs = append(errs, fmt.Errorf("underlay bridge %s (management socket %s): %w", cfg.Underlay.Bridge, mgmtPath(cfg), ErrNotConnected))
	} else {
		n, err := a.apply(ctx, sw, flows, nil)
		total += n
		if err != nil {
			errs = append(errs, fmt.Errorf("underlay bridge %s: %w", cfg.Underlay.Bridge, err))
		}
	}
	n, err := a.reconcileGroups(ctx, cfg)
	total += n
	if err != nil {
		errs = append(errs, err)
	}
	return total, errors.Join(errs...)
}

// apply diffs and applies one switch's flows (and groups, when groups is
// not nil) in one bundle.
func (a *Agent) apply(ctx context.Context, sw *ofapp.Switch, flows []ofapp.Flow, groups []ofapp.GroupEntry) (int, error) {
	installed, err := sw.Flows(ctx, uint64(pipeline.ProgrammedValue), uint64(pipeline.ProgrammedMask))
	if err != nil {
		return 0, err
	}
	var haveGroups, wantGroups []ofapp.GroupEntry
	if groups != nil || sw.DPID() == a.overlayDPID {
		gs, err := sw.Groups(ctx)
		if err != nil {
			return 0, err
		}
		for _, g := range gs {
			haveGroups = append(haveGroups, g.GroupEntry)
		}
		wantGroups = groups
	}
	b := Diff(installed, flows, haveGroups, wantGroups)
	n := b.Len()
	if n == 0 {
		return 0, nil
	}
	start := time.Now()
	err = sw.Apply(ctx, b)
	a.observeBundle(sw, n, time.Since(start), err)
	if err != nil {
		return 0, err
	}
	a.statsMu.Lock()
	a.stats.Bundles++
	a.stats.FlowMods += uint64(n)
	a.statsMu.Unlock()
	a.log.WithFields(logrus.Fields{"dpid": ofapp.DPIDString(sw.DPID()), "changes": n, "took": time.Since(start).Round(time.Microsecond).String()}).Info("bundle committed")
	return n, nil
}

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

// Reload validates a new configuration and, if it is good, makes it current
// and reconciles: only the difference reaches the switches. A bad
// configuration changes nothing.
func (a *Agent) Reload(ctx context.Context, cfg *config.Config) error {
	old := a.config()
	if err := reloadable(old, cfg); err != nil {
		a.statsMu.Lock()
		a.stats.ReloadRejected++
		a.statsMu.Unlock()
		return err
	}
	a.cfgMu.Lock()
	a.cfg = cfg
	a.cfgMu.Unlock()
	a.statsMu.Lock()
	a.stats.ConfigReloads++
	a.statsMu.Unlock()
	a.Kick("configuration reloaded")
	return nil
}

// reloadable refuses changes that need a restart: the endpoints and bridges
// vtepd is attached to.
func reloadable(old, cfg *config.Config) error {
	var errs []error
	check := func(key, a, b string) {
		if a != b {
			errs = append(errs, fmt.Errorf("%s: changing %q to %q needs a restart of vtepd", key, a, b))
		}
	}
	check("ovsdb", old.OVSDB, cfg.OVSDB)
	check("openflow.listen", old.OpenFlow.Listen, cfg.OpenFlow.Listen)
	check("bridge", old.Bridge, cfg.Bridge)
	check("datapath_type", old.DatapathType, cfg.DatapathType)
	check("underlay.bridge", old.Underlay.Bridge, cfg.Underlay.Bridge)
	check("underlay.local_ip", old.Underlay.LocalIP.String(), cfg.Underlay.LocalIP.String())
	check("underlay.udp_port", fmt.Sprint(old.Underlay.UDPPort), fmt.Sprint(cfg.Underlay.UDPPort))
	check("flood.mode", string(old.Flood.Mode), string(cfg.Flood.Mode))
	check("api.listen", old.API.Listen, cfg.API.Listen)
	check("metrics.listen", old.Metrics.Listen, cfg.Metrics.Listen)
	return errors.Join(errs...)
}

// Snapshot returns the agent's counters and the state and result of the
// last successful reconcile.
func (a *Agent) Snapshot() (Stats, pipeline.State, pipeline.Result) {
	a.statsMu.Lock()
	defer a.statsMu.Unlock()
	return a.stats, a.lastState, a.lastResult
}

// unixctlPath returns ovs-vswitchd's control socket: the configured one, or
// ovs-vswitchd.ctl / ovs-vswitchd.PID.ctl next to a unix OVSDB socket.
func unixctlPath(cfg *config.Config) (string, error) {
	if cfg.OVSUnixctl != "" {
		return cfg.OVSUnixctl, nil
	}
	dir := ovsRunDir(cfg)
	if dir == "" {
		return "", fmt.Errorf("ovs_unixctl: empty and ovsdb %q is not a unix socket to look beside", cfg.OVSDB)
	}
	p := filepath.Join(dir, "ovs-vswitchd.ctl")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	pid, err := os.ReadFile(filepath.Join(dir, "ovs-vswitchd.pid"))
	if err != nil {
		return "", fmt.Errorf("ovs_unixctl: empty, and no ovs-vswitchd.ctl or ovs-vswitchd.pid in %s: %w", dir, err)
	}
	return filepath.Join(dir, "ovs-vswitchd."+strings.TrimSpace(string(pid))+".ctl"), nil
}

// ovsRunDir is the directory of a unix OVSDB socket, where OVS keeps its
// other sockets too (OVS_RUNDIR).
func ovsRunDir(cfg *config.Config) string {
	if !strings.HasPrefix(cfg.OVSDB, "unix:") {
		return ""
	}
	return filepath.Dir(strings.TrimPrefix(cfg.OVSDB, "unix:"))
}

// mgmtPath is the underlay bridge's OpenFlow management socket (BRIDGE.mgmt
// in OVS's run directory).
func mgmtPath(cfg *config.Config) string {
	dir := ovsRunDir(cfg)
	if dir == "" {
		dir = filepath.Dir(cfg.OVSUnixctl)
	}
	return filepath.Join(dir, cfg.Underlay.Bridge+".mgmt")
}

// listenDir is the directory of a unix listen target ("" for tcp).
func listenDir(target string) string {
	if !strings.HasPrefix(target, "unix:") {
		return ""
	}
	return filepath.Dir(strings.TrimPrefix(target, "unix:"))
}

// prepareSocketDir creates the directory of a unix listen target.
func prepareSocketDir(target string) error {
	if !strings.HasPrefix(target, "unix:") {
		return nil
	}
	dir := filepath.Dir(strings.TrimPrefix(target, "unix:"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("openflow.listen: create %s: %w", dir, err)
	}
	return nil
}
