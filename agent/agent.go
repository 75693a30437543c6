package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/api"
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

	// Run's concrete clients, for start-up, events and the OVSDB monitor.
	db   *ovsdb.Client
	ctrl *ofapp.Controller
	// What the reconcile uses, through the interfaces of deps.go.
	ports        PortSource
	switches     Switches
	unixctl      Unixctl
	igmp         Membership // the membership holder's client (agent/holder.go)
	gatewayInUse GatewayCheck
	hold         MembershipHold

	overlayDPID  uint64
	underlaySw   atomic.Pointer[ofapp.Switch]
	reconcileMu  sync.Mutex
	kick         chan string
	packetIns    atomic.Uint64
	stats        api.Stats
	statsMu      sync.Mutex
	lastState    pipeline.State
	lastResult   pipeline.Result
	readyOnce    sync.Once
	ready        chan struct{}
	resyncPeriod time.Duration
	retryDelay   time.Duration // after a failed reconcile
	metrics      *agentMetrics
	health       healthState
	remotes      *remoteKeeper // learned remote VTEPs' neighbour entries (remotes.go)
	flaps        *flapWatcher  // MAC-flap detection and frozen MACs (flaps.go)

	uplinkARP uplinkARPCheck // the uplink's arp_ignore (uplinkarp.go)
	mtu       *mtuGuard      // VM ports whose MTU the underlay cannot carry (mtu.go)
	evpn      *evpnPlane     // BGP EVPN, when configured (evpn.go)
}

// New returns an agent for a validated configuration.
func New(cfg *config.Config, log *logrus.Entry) *Agent {
	if log == nil {
		log = logrus.NewEntry(logrus.StandardLogger())
	}
	a := &Agent{
		log:          log,
		cfg:          cfg,
		kick:         make(chan string, 1),
		ready:        make(chan struct{}),
		resyncPeriod: 30 * time.Second,
		retryDelay:   time.Second,
		gatewayInUse: underlay.GatewayInUse,
	}
	a.metrics = newAgentMetrics(a)
	a.remotes = newRemoteKeeper(a)
	a.flaps = newFlapWatcher(a)
	a.mtu = newMTUGuard(a)
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
// It returns an error when start-up fails (it waits for OVSDB, though, as
// long as ctx lasts); later errors are logged, counted and retried.
func (a *Agent) Run(ctx context.Context) error {
	cfg := a.config()
	lock, err := a.lockRunDir(cfg)
	if err != nil {
		return err
	}
	defer lock.Release(false)
	db, err := a.dialOVSDB(ctx, cfg.OVSDB)
	if err != nil {
		return stopped(ctx, err)
	}
	a.db, a.ports = db, db
	defer db.Close()
	path, err := unixctlPath(cfg)
	if err != nil {
		return err
	}
	a.unixctl = &underlay.Unixctl{Path: path}
	warnOpenTunnels(a.log, cfg)

	of, err := openflowOptions(cfg, a.log)
	if err != nil {
		return err
	}
	ln, err := a.listenOpenFlow(cfg, of.listen)
	if err != nil {
		return err
	}
	a.ctrl = ofapp.NewController(a.controllerConfig(cfg, of.peers))
	defer a.ctrl.Close()
	a.switches = controllerSwitches{a}
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.ctrl.Serve(ctx, ln) }()

	if err := a.ensureBridges(ctx); err != nil {
		return err
	}
	if a.igmp, err = a.openMembership(ctx, cfg); err != nil {
		return err
	}
	defer a.closeMembership()
	if err := a.startEVPN(ctx, cfg); err != nil {
		return err
	}
	if a.evpn != nil {
		defer a.evpn.stop()
	}
	a.startLoops(ctx)
	apiErr := make(chan error, 2)
	go func() { apiErr <- a.ServeAPI(ctx) }()
	go func() { apiErr <- a.ServeMetrics(ctx) }()

	a.checkUplinkARP()
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
			_ = a.reconcileAndLog(ctx, reason)
		case <-ticker.C:
			a.checkUplinkARP()
			_ = a.reconcileAndLog(ctx, "periodic resync")
		}
	}
}

// startLoops starts the agent's background loops; they end with ctx.
func (a *Agent) startLoops(ctx context.Context) {
	go a.underlayLoop(ctx)
	go a.tunnelRxLoop(ctx)
	go a.eventLoop(ctx)
	go a.watchOVSDB(ctx)
	go a.remotes.run(ctx)
	go a.flaps.run(ctx)
}

// listenOpenFlow opens openflow.listen, where the overlay bridge connects.
func (a *Agent) listenOpenFlow(cfg *config.Config, opts ofapp.ListenOptions) (net.Listener, error) {
	if err := prepareSocketDir(cfg.OpenFlow.Listen); err != nil {
		return nil, err
	}
	if dir, run := listenDir(cfg.OpenFlow.Listen), ovsRunDir(cfg); dir != "" && run != "" && dir != run {
		// ovs-vswitchd refuses unix controller sockets outside its run dir.
		a.log.WithFields(logrus.Fields{"openflow.listen": cfg.OpenFlow.Listen, "ovs_rundir": run}).
			Warn("openflow.listen is outside OVS's run directory; ovs-vswitchd will not connect to it")
	}
	ln, err := ofapp.ListenWith(cfg.OpenFlow.Listen, opts)
	if err != nil {
		return nil, fmt.Errorf("openflow.listen: %w", err)
	}
	return ln, nil
}

// Kick asks for a reconcile soon; kicks that arrive while one is pending merge.
func (a *Agent) Kick(reason string) {
	select {
	case a.kick <- reason:
	default:
	}
}

// reconcileAndLog reconciles, counts and logs the result, and on failure
// schedules a retry; it returns the reconcile's error.
func (a *Agent) reconcileAndLog(ctx context.Context, reason string) error {
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
	a.setReconcileResult(err)
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
			case <-time.After(a.retryDelay):
				a.Kick("retry after error")
			}
		}()
		return err
	}
	if n > 0 {
		l.Info("reconciled")
	} else {
		l.Debug("reconciled, nothing to change")
	}
	a.readyOnce.Do(func() { close(a.ready) })
	return nil
}
