package agent

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/macflap"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
	"github.com/vtep/vtep/trace"
)

// MAC-flap detection. vtepd never sees a packet, so it watches table mac:
// every flapPeriod (longer with a large table, see paced) it reads the
// learned flows (one cookie-masked
// flow-stats request on table mac only, as the remote keeper does) and
// hands each MAC's place to a macflap.Detector. A MAC that moves
// mac_flap.max_moves times within mac_flap.window is frozen: the
// detector's frozen MACs go into the desired state (pipeline.FrozenMAC),
// so every reconcile keeps their flows, until POST /v1/macs/flush
// releases them. See docs/design.md, MAC-flap detection, for why a poll
// and not an OpenFlow flow monitor, and where a MAC is frozen.
const (
	flapPeriod  = 500 * time.Millisecond
	flapTimeout = 10 * time.Second
)

// flapWatcher runs the detector over the overlay bridge's learned MACs.
type flapWatcher struct {
	a *Agent

	mu  sync.Mutex
	det *macflap.Detector

	// clock dates each learned MAC's last move, for AGE (macage.go).
	clock *moveClock
	// gate defers reads during a burst of learning (burst.go).
	gate *burstGate

	flaps  prometheus.Counter
	nflaps atomic.Uint64
	nmoves atomic.Uint64
	moves  prometheus.Counter
	frozen prometheus.GaugeFunc
}

func newFlapWatcher(a *Agent) *flapWatcher {
	w := &flapWatcher{
		a:     a,
		det:   macflap.New(),
		clock: newMoveClock(),
		gate:  newBurstGate(a, "mac-flaps"),
		flaps: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "mac_flaps_total",
			Help: "MACs frozen because they moved mac_flap.max_moves times within mac_flap.window.",
		}),
		moves: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "mac_moves_total",
			Help: "Moves of learned MACs between places of their VNI (local ports, remote VTEPs) vtepd observed.",
		}),
	}
	w.frozen = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: metricsNamespace, Name: "frozen_macs",
		Help: "MACs frozen at one place until flushed (vtepctl macs flush).",
	}, func() float64 { return float64(len(w.list())) })
	if a.metrics != nil {
		a.metrics.reg.MustRegister(w.flaps, w.moves, w.frozen)
	}
	return w
}

// run makes a pass every flapPeriod, or less often when a pass is slow
// (paced, readShare) or the table grows fast (burst.go), until ctx ends.
func (w *flapWatcher) run(ctx context.Context) {
	paced(ctx, flapPeriod, readShare, func() {
		if w.a.shouldDefer(ctx, w.gate) {
			return
		}
		if err := w.pass(ctx); err != nil {
			w.a.log.WithError(err).Debug("MAC flaps: pass skipped")
		}
	})
}

// pass reads the learned MACs, dates their moves (for AGE, also when
// MAC-flap detection is off), feeds the detector, logs and counts what
// moved and froze, and asks for a reconcile when a MAC froze.
func (w *flapWatcher) pass(ctx context.Context) error {
	cfg := w.a.config()
	ctx, cancel := context.WithTimeout(ctx, flapTimeout)
	defer cancel()
	seen, err := w.a.learnedPlaces(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	w.clock.observe(now, seen)
	if cfg.MACFlap.MaxMoves == 0 {
		return nil
	}
	w.mu.Lock()
	moves, frozen := w.det.Observe(now, seen, detectorConfig(cfg))
	w.mu.Unlock()
	w.moves.Add(float64(len(moves)))
	w.nmoves.Add(uint64(len(moves)))
	for _, m := range moves {
		w.a.log.WithFields(logrus.Fields{"vni": m.Key.VNI, "mac": m.Key.MAC, "from": m.From.String(), "to": m.To.String()}).
			Debug("MAC moved")
	}
	for _, f := range frozen {
		w.flaps.Inc()
		w.nflaps.Add(1)
		w.a.log.WithFields(logrus.Fields{"vni": f.Key.VNI, "mac": f.Key.MAC, "frozen_at": w.placeName(f.At),
			"flapped_with": w.placeName(f.Other), "moves": f.Moves, "window": cfg.MACFlap.Window.String()}).
			Warn("MAC flapping: frozen until flushed (vtepctl macs flush)")
	}
	if len(frozen) > 0 {
		w.a.Kick("MAC frozen")
	}
	return nil
}

func detectorConfig(cfg *config.Config) macflap.Config {
	return macflap.Config{MaxMoves: int(cfg.MACFlap.MaxMoves), Window: cfg.MACFlap.Window}
}

// placeName names a place with the port's name when vtepd knows it.
func (w *flapWatcher) placeName(p macflap.Place) string {
	if !p.Local() {
		return p.String()
	}
	_, st, _ := w.a.Snapshot()
	if n := trace.NewPorts(st).Name(p.Port); n != "" {
		return fmt.Sprintf("port %s (%d)", n, p.Port)
	}
	return p.String()
}

// learnedPlaces reads where each learned MAC of table mac is.
func (a *Agent) learnedPlaces(ctx context.Context) (map[macflap.Key]macflap.Place, error) {
	out := map[macflap.Key]macflap.Place{}
	var d learnedDecoder
	err := a.eachLearned(ctx, pipeline.LearnedValue, pipeline.LearnedMask, 0, func(f *ofapp.FlowStats) error {
		if e, ok := d.decode(f, trace.Ports{}); ok {
			out[macflap.Key{VNI: e.VNI, MAC: e.MAC}] = placeOf(e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// list returns the frozen MACs (none when the watcher is absent).
func (w *flapWatcher) list() []macflap.Frozen {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.det.Frozen()
}

// desired returns the frozen MACs as the pipeline takes them.
func (w *flapWatcher) desired() []pipeline.FrozenMAC {
	var out []pipeline.FrozenMAC
	for _, f := range w.list() {
		mac, err := net.ParseMAC(f.Key.MAC)
		if err != nil {
			continue
		}
		fm := pipeline.FrozenMAC{VNI: f.Key.VNI, MAC: mac}
		if f.At.Local() {
			fm.Port = f.At.Port
		} else {
			fm.VTEP = f.At.VTEP
		}
		out = append(out, fm)
	}
	return out
}

// FlushMAC unfreezes mac in vni (0: every VNI) and returns the entries it
// released; a reconcile then removes their flows. It is an error to name
// a MAC that is not frozen.
func (a *Agent) FlushMAC(mac string, vni uint32) (api.FlushResult, error) {
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 {
		return api.FlushResult{}, badRequest{fmt.Errorf("mac %q: not an Ethernet address", mac)}
	}
	res := api.FlushResult{Unfrozen: []api.MACKey{}}
	w := a.flaps
	w.mu.Lock()
	for _, f := range w.det.Frozen() {
		if f.Key.MAC == hw.String() && (vni == 0 || f.Key.VNI == vni) && w.det.Unfreeze(f.Key) {
			res.Unfrozen = append(res.Unfrozen, api.MACKey{VNI: f.Key.VNI, MAC: f.Key.MAC})
		}
	}
	w.mu.Unlock()
	if len(res.Unfrozen) == 0 {
		return res, badRequest{fmt.Errorf("mac %s is not frozen%s", hw, inVNI(vni))}
	}
	for _, k := range res.Unfrozen {
		a.log.WithFields(logrus.Fields{"vni": k.VNI, "mac": k.MAC}).Info("MAC unfrozen by flush")
	}
	a.Kick("MAC flushed")
	return res, nil
}

func inVNI(vni uint32) string {
	if vni == 0 {
		return ""
	}
	return fmt.Sprintf(" in VNI %d", vni)
}

// markFrozen puts the frozen MACs into a learned table: a frozen MAC's
// entry shows where it is frozen (its learned entry, which may be elsewhere
// or gone, is replaced).
func (w *flapWatcher) markFrozen(es []api.MACEntry, vni uint32, pi trace.Ports) []api.MACEntry {
	frozen := w.list()
	if len(frozen) == 0 {
		return es
	}
	byKey := map[macflap.Key]int{}
	for i, e := range es {
		byKey[macflap.Key{VNI: e.VNI, MAC: strings.ToLower(e.MAC)}] = i
	}
	for _, f := range frozen {
		if vni != 0 && f.Key.VNI != vni {
			continue
		}
		e := api.MACEntry{VNI: f.Key.VNI, MAC: f.Key.MAC, Frozen: true, FlappedWith: w.placeName(f.Other),
			Age: time.Since(f.Since).Seconds(), OFPort: f.At.Port}
		if f.At.Local() {
			e.Port, e.VLAN = pi.Name(f.At.Port), pi.VLAN(f.At.Port, f.Key.VNI)
		} else {
			e.Remote, e.VTEP, e.Port = true, f.At.VTEP.String(), pipeline.TunnelPortName
		}
		if i, ok := byKey[f.Key]; ok {
			e.Hits = es[i].Hits
			es[i] = e
			continue
		}
		es = append(es, e)
	}
	api.SortMACs(es)
	return es
}

// fillStatus puts the flap counts into a status.
func (w *flapWatcher) fillStatus(s *api.Status) {
	if w == nil {
		return
	}
	s.MACMoves, s.MACFlaps, s.FrozenMACs = w.nmoves.Load(), w.nflaps.Load(), len(w.list())
}
