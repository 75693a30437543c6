package agent

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/config"
)

// api.Health checks: every state in which vtepd is not forwarding as configured
// fails one of them, and then `vtepctl status` exits 1, /readyz answers 503,
// the log says so and vtepd_health_check_ok{check} is 0.

// healthState is what the checks read that only the reconcile loop and the
// tunnel receive watch know.
type healthState struct {
	mu sync.Mutex
	healthView
}

// healthView is healthState's data, copied out under its lock.
type healthView struct {
	reconcileErr  error     // of the last reconcile; nil when it succeeded
	reconcileAt   time.Time // when the last reconcile ended
	missingRoutes []net.IP  // groups in use without a tunnel route
	rxChecked     bool      // tunnel receive checked at least once
	rxOK          bool
	rxDetail      string
	rxRepairs     uint64
}

func (a *Agent) setReconcileResult(err error) {
	a.health.mu.Lock()
	defer a.health.mu.Unlock()
	a.health.reconcileErr = err
	a.health.reconcileAt = time.Now()
}

func (a *Agent) setMissingRoutes(groups []net.IP) {
	a.health.mu.Lock()
	defer a.health.mu.Unlock()
	a.health.missingRoutes = groups
}

// api.Health runs the health checks on what vtepd last saw; it sends nothing
// to the switches.
func (a *Agent) Health() api.Health {
	cfg := a.config()
	overlay, under := a.connected()
	a.health.mu.Lock()
	hs := a.health.healthView
	a.health.mu.Unlock()
	checks := []api.Check{
		connCheck(api.CheckOverlayBridge, cfg.Bridge, overlay, a.overlayReason),
		connCheck(api.CheckUnderlayBridge, cfg.Underlay.Bridge, under,
			func() string { return "no OpenFlow session to its management socket " + mgmtPath(cfg) }),
		programmedCheck(a.isReady(), hs.reconcileErr),
		rxCheck(cfg, hs),
	}
	if cfg.Flood.Mode == config.FloodMulticast {
		checks = append(checks, routesCheck(hs.missingRoutes))
	}
	if a.evpn != nil {
		checks = append(checks, a.evpn.check())
	}
	h := api.Health{Healthy: true, Checks: checks}
	for _, c := range checks {
		h.Healthy = h.Healthy && c.OK
	}
	return h
}

// connected reports whether the overlay and the underlay bridge have a
// session.
func (a *Agent) connected() (overlay, under bool) {
	if a.switches == nil {
		return false, false
	}
	_, overlay = a.switches.Overlay()
	_, under = a.switches.Underlay()
	return overlay, under
}

// overlayReason says why the overlay bridge has no session, as far as
// vtepd can tell: what ovs-vswitchd wrote in the bridge's Controller row
// (state, last error), or what the configuration shows.
func (a *Agent) overlayReason() string {
	if a.overlayDPID == 0 {
		return "not set up yet (waiting for OVSDB)"
	}
	why := "ovs-vswitchd has not connected to " + a.config().OpenFlow.Listen
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	cs, err := a.ControllerStatus(ctx)
	switch {
	case err != nil:
		return why + " (controller status unknown: " + err.Error() + ")"
	case cs.Reason != "":
		return why + ": " + cs.Reason
	}
	return why
}

// connCheck reports a bridge's session; why is asked only when it is down.
func connCheck(name, bridge string, up bool, why func() string) api.Check {
	if up {
		return api.Check{Name: name, OK: true, Detail: bridge + " connected"}
	}
	return api.Check{Name: name, Detail: bridge + " NOT CONNECTED: " + why()}
}

func programmedCheck(ready bool, err error) api.Check {
	switch {
	case err != nil:
		return api.Check{Name: api.CheckProgrammed, Detail: "reconcile failing: " + err.Error()}
	case !ready:
		return api.Check{Name: api.CheckProgrammed, Detail: "not programmed yet"}
	}
	return api.Check{Name: api.CheckProgrammed, OK: true, Detail: "flows in sync"}
}

func rxCheck(cfg *config.Config, hs healthView) api.Check {
	c := api.Check{Name: api.CheckTunnelReceive, OK: hs.rxChecked && hs.rxOK}
	switch {
	case !hs.rxChecked:
		c.Detail = "not checked yet"
	case hs.rxOK:
		c.Detail = fmt.Sprintf("OVS listens on %s udp %d", cfg.Underlay.LocalIP.Addr(), cfg.Underlay.UDPPort)
	default:
		c.Detail = "broken: " + hs.rxDetail
	}
	if hs.rxRepairs > 0 {
		c.Detail += fmt.Sprintf(" (repaired %d times)", hs.rxRepairs)
	}
	return c
}

func routesCheck(missing []net.IP) api.Check {
	if len(missing) == 0 {
		return api.Check{Name: api.CheckGroupRoutes, OK: true, Detail: "every group routed"}
	}
	names := make([]string, len(missing))
	for i, g := range missing {
		names[i] = g.String()
	}
	return api.Check{Name: api.CheckGroupRoutes, Detail: "no tunnel route to " + strings.Join(names, ", ")}
}

// registerHealth adds /healthz (vtepd is alive and serving) and /readyz
// (programmed and healthy: 200, else 503 naming the failed checks) to mux.
func (a *Agent) registerHealth(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		h := a.Health()
		w.Header().Set("Content-Type", "application/json")
		if !h.Healthy {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		writeJSON(w, h)
	})
}
