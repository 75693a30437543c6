package agent

import (
	"context"
	"errors"
	"fmt"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/pipeline"
)

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
