package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"reflect"
	"sync"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/evpn"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
	"github.com/vtep/vtep/trace"
)

// evpnPeriod is how often the EVPN plane reads the local MACs to advertise
// (a change in the received routes wakes it at once).
const evpnPeriod = time.Second

// evpnPlane joins the BGP EVPN speaker to the pipeline: it advertises the
// local networks and MACs of EVPN networks, removes local entries of MACs
// that moved away, and feeds the received VTEPs and MACs to every
// reconcile. Across a restart it keeps what the previous run had received
// (a snapshot in the run directory) until the new sessions have converged,
// so forwarding does not stop while BGP comes back (stale marking).
type evpnPlane struct {
	a  *Agent
	sp *evpn.Speaker

	mu        sync.Mutex
	remote    map[uint32]evpn.Remote // what reconciles use
	stale     map[uint32]evpn.Remote // the previous run's, until converged
	holdUntil time.Time
	snapshot  string // file of the last remote view
	evicted   uint64
	wake      chan struct{} // a local MAC was learned (evpnwatch.go)
	unsaved   bool          // remote changed since the last snapshot
	done      chan struct{} // closed when run has ended (and saved)
	savedAt   time.Time
}

// snapshotPeriod is the most often the remote view is written to disk (a
// burst of routes writes it once a second, not once per route).
const snapshotPeriod = time.Second

// startEVPN starts the speaker when the configuration enables EVPN.
func (a *Agent) startEVPN(ctx context.Context, cfg *config.Config) error {
	if !cfg.EVPN.Enabled() {
		return nil
	}
	listen := int32(cfg.EVPN.ListenPort)
	if listen == 0 {
		listen = -1
	}
	ec := evpn.Config{ASN: cfg.EVPN.ASN, RouterID: cfg.EVPNRouterID(), LocalIP: cfg.Underlay.LocalIP.Addr(),
		ListenPort: listen, RestartTime: cfg.EVPN.RestartTime, ConnectRetry: time.Second}
	for _, n := range cfg.EVPN.Neighbors {
		ec.Neighbors = append(ec.Neighbors, evpn.Neighbor{Address: n.Address, ASN: n.ASN, Port: n.Port, Password: n.Password})
	}
	p := &evpnPlane{a: a, sp: evpn.New(ec, a.log.WithField("component", "evpn")),
		snapshot: filepath.Join(RunDir(cfg), cfg.Bridge+".evpn.json"), wake: make(chan struct{}, 1), done: make(chan struct{})}
	if err := p.sp.SetNetworks(evpnNetworks(cfg)); err != nil {
		return err
	}
	p.stale = loadSnapshot(a.log, p.snapshot)
	p.remote = p.stale
	p.holdUntil = time.Now().Add(min(cfg.EVPN.RestartTime, 60*time.Second))
	if err := p.sp.Start(ctx); err != nil {
		return err
	}
	a.evpn = p
	go p.run(ctx)
	go p.watchLocalMACs(ctx)
	return nil
}

// evpnNetworks lists the configuration's EVPN networks for the speaker.
func evpnNetworks(cfg *config.Config) []evpn.Network {
	var out []evpn.Network
	for _, n := range cfg.Networks {
		if cfg.UsesEVPN(n.VNI) {
			out = append(out, evpn.Network{VNI: n.VNI, RD: n.RD, RT: n.RouteTarget})
		}
	}
	return out
}

func (p *evpnPlane) run(ctx context.Context) {
	defer close(p.done)
	defer p.saveNow()
	defer p.sp.Stop()
	t := time.NewTicker(evpnPeriod)
	defer t.Stop()
	for {
		if err := p.pass(ctx); err != nil && ctx.Err() == nil {
			p.a.log.WithError(err).Warn("EVPN: pass failed; will retry")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.sp.Changed():
		case <-p.wake:
		}
	}
}

// saveNow writes the remote view if the last write missed a change (a
// restart must find what the switch has).
func (p *evpnPlane) saveNow() {
	p.mu.Lock()
	remote, unsaved := p.remote, p.unsaved
	p.unsaved = false
	p.mu.Unlock()
	if unsaved {
		saveSnapshot(p.a.log, p.snapshot, remote)
	}
}

// stop waits (a little) for the plane to save its view as vtepd exits.
func (p *evpnPlane) stop() {
	select {
	case <-p.done:
	case <-time.After(2 * time.Second):
		p.a.log.Warn("EVPN: the received routes were not saved before exit")
	}
}

// pass advertises the local MACs, evicts moved ones and, when the received
// routes changed, asks for a reconcile.
func (p *evpnPlane) pass(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cfg := p.a.config()
	if err := p.sp.SetNetworks(evpnNetworks(cfg)); err != nil {
		return err
	}
	if _, ok := p.a.switches.Overlay(); !ok {
		return p.refresh(ctx) // no MACs to read yet; its connection kicks a reconcile
	}
	locals, err := p.a.evpnLocalMACs(ctx, cfg)
	if err != nil {
		return err
	}
	bindings, err := p.a.localBindings(ctx, cfg)
	if err != nil {
		return err
	}
	evict, serr := p.sp.Sync(ctx, withBindings(locals, bindings))
	if len(evict) > 0 {
		// even when advertising failed: the MACs are elsewhere now
		if err := p.a.evictMACs(ctx, evict); err != nil {
			return errors.Join(serr, err)
		}
		p.mu.Lock()
		p.evicted += uint64(len(evict))
		p.mu.Unlock()
	}
	return errors.Join(serr, p.refresh(ctx))
}

// refresh takes the speaker's remote view (with the previous run's while
// holding) and kicks a reconcile when it changed.
func (p *evpnPlane) refresh(ctx context.Context) error {
	// peers first: an End-of-RIB seen here has its routes in Remote
	peers, err := p.sp.Peers(ctx)
	if err != nil {
		return err
	}
	remote := p.sp.Remote()
	p.mu.Lock()
	if p.stale != nil {
		if converged(peers) || time.Now().After(p.holdUntil) {
			p.a.log.WithField("converged", converged(peers)).Info("EVPN: sessions back; routes of the previous run released")
			p.stale = nil
		} else {
			remote = mergeRemote(remote, p.stale)
		}
	}
	changed := !reflect.DeepEqual(remote, p.remote)
	p.remote = remote
	p.unsaved = p.unsaved || changed
	save := p.unsaved && time.Since(p.savedAt) >= snapshotPeriod
	if save {
		p.unsaved, p.savedAt = false, time.Now()
	}
	p.mu.Unlock()
	if save {
		saveSnapshot(p.a.log, p.snapshot, remote)
	}
	if changed {
		p.a.Kick("EVPN routes changed")
	}
	return nil
}

// converged reports whether every neighbour's session is up and has sent
// all its routes.
func converged(peers []evpn.PeerStatus) bool {
	for _, ps := range peers {
		if !ps.Established() || !ps.EndOfRIB {
			return false
		}
	}
	return len(peers) > 0
}

// evpnLocalMACs lists the MACs of EVPN networks on local ports: learned
// ones and the static ones of secured ports.
func (a *Agent) evpnLocalMACs(ctx context.Context, cfg *config.Config) ([]evpn.LocalMAC, error) {
	var out []evpn.LocalMAC
	var d learnedDecoder
	err := a.eachLearned(ctx, pipeline.LearnedValue, pipeline.LearnedMask, 0, func(f *ofapp.FlowStats) error {
		l, ok := d.decode(f, trace.Ports{})
		if !ok || l.Remote || !cfg.UsesEVPN(l.VNI) {
			return nil
		}
		if mac, err := net.ParseMAC(l.MAC); err == nil {
			out = append(out, evpn.LocalMAC{VNI: l.VNI, MAC: mac})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	_, st, _ := a.Snapshot()
	for _, s := range pipeline.StaticMACs(st) {
		if cfg.UsesEVPN(s.VNI) {
			out = append(out, evpn.LocalMAC{VNI: s.VNI, MAC: s.MAC, Static: true})
		}
	}
	return out, nil
}

// evictMACs deletes the learned entries of MACs that moved to another VTEP,
// so the EVPN entry below them takes over.
func (a *Agent) evictMACs(ctx context.Context, macs []evpn.LocalMAC) error {
	sw, name, err := a.switchFor(api.BridgeOverlay)
	if err != nil {
		return err
	}
	var b ofapp.Batch
	for _, m := range macs {
		b.DeleteFlows(pipeline.LearnedEntry(m.VNI, m.MAC))
	}
	if err := sw.Apply(ctx, &b); err != nil {
		return fmt.Errorf("overlay bridge %s: remove %d moved MACs: %w", name, len(macs), err)
	}
	return nil
}

// fill gives the EVPN networks of d their remote VTEPs and MACs, the
// bindings of MAC+IP routes as static neighbours (ARP suppression), and
// adds those VTEPs to the trusted ones.
func (p *evpnPlane) fill(d *pipeline.Desired) {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[netip.Addr]bool{}
	for i := range d.Networks {
		n := &d.Networks[i]
		r, ok := p.remote[n.VNI]
		if !n.EVPN || !ok {
			continue
		}
		n.FloodVTEPs = append([]netip.Addr(nil), r.VTEPs...)
		for _, m := range r.MACs {
			n.RemoteMACs = append(n.RemoteMACs, pipeline.RemoteMAC{MAC: m.MAC, VTEP: m.VTEP})
			if m.IP.IsValid() {
				n.Neighbours = append(n.Neighbours, pipeline.Neighbour{IP: m.IP, MAC: m.MAC})
			}
		}
		for _, v := range evpnRemoteVTEPs(r) {
			if !seen[v] && d.RestrictVTEPs {
				d.TrustedVTEPs = append(d.TrustedVTEPs, netip.PrefixFrom(v, 32))
			}
			seen[v] = true
		}
	}
}

func evpnRemoteVTEPs(r evpn.Remote) []netip.Addr {
	out := append([]netip.Addr(nil), r.VTEPs...)
	for _, m := range r.MACs {
		out = append(out, m.VTEP)
	}
	return out
}

// mergeRemote adds to cur what stale has and cur lacks (cur wins per MAC).
func mergeRemote(cur, stale map[uint32]evpn.Remote) map[uint32]evpn.Remote {
	out := make(map[uint32]evpn.Remote, len(cur))
	for vni, r := range cur {
		s, ok := stale[vni]
		if !ok {
			out[vni] = r
			continue
		}
		m := evpn.Remote{VTEPs: append([]netip.Addr(nil), r.VTEPs...), MACs: append([]evpn.Route(nil), r.MACs...)}
		for _, v := range s.VTEPs {
			if !containsAddr(m.VTEPs, v) {
				m.VTEPs = append(m.VTEPs, v)
			}
		}
		have := map[string]bool{}
		for _, x := range m.MACs {
			have[x.MAC.String()] = true
		}
		for _, x := range s.MACs {
			if !have[x.MAC.String()] {
				m.MACs = append(m.MACs, x)
			}
		}
		out[vni] = m
	}
	return out
}

func containsAddr(l []netip.Addr, a netip.Addr) bool {
	for _, x := range l {
		if x == a {
			return true
		}
	}
	return false
}
