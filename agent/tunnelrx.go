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
func every(ctx context.Context, period time.Duration, f func()) { paced(ctx, period, 1, f) }

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
