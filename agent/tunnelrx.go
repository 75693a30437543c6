package agent

import (
	"context"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/underlay"
)

// tunnelRxPeriod is how often vtepd checks that OVS still listens for
// VXLAN on the VTEP address (besides after every reconcile).
const tunnelRxPeriod = 2 * time.Second

// tunnelRxLoop checks tunnel receive every tunnelRxPeriod until ctx ends.
func (a *Agent) tunnelRxLoop(ctx context.Context) {
	every(ctx, tunnelRxPeriod, func() { a.checkTunnelReceive(ctx) })
}

// every calls f every period until ctx ends.
func every(ctx context.Context, period time.Duration, f func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

// paced calls f every period until ctx ends, as every does, but after a
// call that took longer than period/(rest+1) it waits rest times as long
// as the call took: a call that grows (a read of a large table) then takes
// at most a (rest+1)th of the time.
func paced(ctx context.Context, period time.Duration, rest int, f func()) {
	t := time.NewTimer(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		f()
		t.Reset(pacedWait(period, rest, time.Since(start)))
	}
}

// pacedWait is how long paced waits after a call that took took: what is
// left of period, or rest times took when that is longer.
func pacedWait(period time.Duration, rest int, took time.Duration) time.Duration {
	return max(period-took, time.Duration(rest)*took)
}

// checkTunnelReceive verifies that OVS decapsulates VXLAN sent to the VTEP
// address and UDP port, and repairs it when it does not (a route deleted by
// anyone stops it: see underlay.Reregister). Each repair is logged and
// counted; the result feeds the tunnel_receive health check.
func (a *Agent) checkTunnelReceive(ctx context.Context) {
	if a.unixctl == nil {
		return
	}
	cfg := a.config()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	local := cfg.Underlay.LocalIP.Addr().AsSlice()
	l := a.log.WithFields(logrus.Fields{"bridge": cfg.Underlay.Bridge, "local_ip": cfg.Underlay.LocalIP.Addr().String(), "udp_port": cfg.Underlay.UDPPort})
	ok, err := underlay.Listening(ctx, a.unixctl, local, cfg.Underlay.UDPPort)
	if err != nil {
		a.setTunnelRx(false, err.Error(), false)
		l.WithError(err).Warn("tunnel receive: cannot check")
		return
	}
	if ok {
		a.setTunnelRx(true, "", false)
		return
	}
	l.Warn("tunnel receive broken: OVS does not listen for VXLAN on the VTEP address; repairing")
	if err := underlay.Reregister(ctx, a.unixctl, cfg.Underlay.Bridge, local); err != nil {
		a.setTunnelRx(false, "OVS does not listen on the VTEP address, and the repair failed: "+err.Error(), false)
		l.WithError(err).Error("tunnel receive: repair failed")
		return
	}
	ok, err = underlay.Listening(ctx, a.unixctl, local, cfg.Underlay.UDPPort)
	switch {
	case err != nil:
		a.setTunnelRx(false, err.Error(), true)
		l.WithError(err).Warn("tunnel receive: cannot check the repair")
	case !ok:
		a.setTunnelRx(false, "OVS does not listen on the VTEP address even after re-registering it (is "+
			cfg.Underlay.LocalIP.Addr().String()+" an address of "+cfg.Underlay.Bridge+"?)", true)
		l.Error("tunnel receive still broken after repair")
	default:
		a.setTunnelRx(true, "", true)
		l.Info("tunnel receive repaired")
	}
}

func (a *Agent) setTunnelRx(ok bool, detail string, repaired bool) {
	a.health.mu.Lock()
	defer a.health.mu.Unlock()
	a.health.rxChecked, a.health.rxOK, a.health.rxDetail = true, ok, detail
	if repaired {
		a.health.rxRepairs++
	}
}

// TunnelRxRepairs returns how often vtepd found OVS deaf on the VTEP
// address and re-registered it.
func (a *Agent) TunnelRxRepairs() uint64 {
	a.health.mu.Lock()
	defer a.health.mu.Unlock()
	return a.health.rxRepairs
}
