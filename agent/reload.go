package agent

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/pipeline"
)

// Reasons a reload is refused, as counted in api.Stats.ReloadRejections and
// vtepd_config_reload_rejections_total{reason}.
const (
	RejectUnreadable  = "unreadable"   // the file could not be read
	RejectInvalid     = "invalid"      // the file failed validation
	RejectRestartOnly = "restart-only" // it changes a key only a restart applies
)

// errNotStarted says a reconcile was asked for before Run set vtepd up.
var errNotStarted = errors.New("vtepd has not started yet")

// ReloadFile reads and validates the configuration file at path and
// reloads it (see Reload). A file that cannot be read or fails validation
// is refused whole, logged and counted, and changes nothing.
func (a *Agent) ReloadFile(ctx context.Context, path string) error {
	cfg, err := config.Load(path)
	if err != nil {
		reason := RejectInvalid
		var pe *fs.PathError
		if errors.As(err, &pe) {
			reason = RejectUnreadable
		}
		a.rejectReload(reason, err)
		return err
	}
	return a.Reload(ctx, cfg)
}

// Reload makes a validated configuration current and reconciles at once:
// only the difference reaches the switches. A configuration that changes
// a restart-only key (config.RestartOnlyKeys) is refused whole and changes
// nothing. Reload returns only when the reload is applied, or with the
// error that kept it from being applied (vtepd then retries, and the
// programmed health check fails until it succeeds).
func (a *Agent) Reload(ctx context.Context, cfg *config.Config) error {
	if err := config.RestartOnlyChanges(a.config(), cfg); err != nil {
		a.rejectReload(RejectRestartOnly, err)
		return err
	}
	a.cfgMu.Lock()
	a.cfg = cfg
	a.cfgMu.Unlock()
	err := a.reconcileAndLog(ctx, "configuration reloaded")
	a.statsMu.Lock()
	a.stats.LastReloadTime = time.Now()
	if err != nil {
		a.stats.ReloadFailed++
		a.stats.LastReloadError = err.Error()
	} else {
		a.stats.ConfigReloads++
		a.stats.LastReloadError = ""
	}
	a.statsMu.Unlock()
	if err != nil {
		a.log.WithError(err).Error("configuration reload accepted but not applied; retrying")
		return fmt.Errorf("configuration accepted but not applied yet (vtepd retries): %w", err)
	}
	a.log.WithField("networks", len(cfg.Networks)).Info("configuration reload applied")
	return nil
}

// rejectReload counts and logs a refused reload.
func (a *Agent) rejectReload(reason string, err error) {
	a.statsMu.Lock()
	a.stats.ReloadRejected++
	if a.stats.ReloadRejections == nil {
		a.stats.ReloadRejections = map[string]uint64{}
	}
	a.stats.ReloadRejections[reason]++
	a.stats.LastReloadError = err.Error()
	a.stats.LastReloadTime = time.Now()
	a.statsMu.Unlock()
	a.log.WithFields(logrus.Fields{"reason": reason}).WithError(err).Error("configuration reload rejected; nothing changed")
}

// Snapshot returns the agent's counters and the state and result of the
// last successful reconcile.
func (a *Agent) Snapshot() (api.Stats, pipeline.State, pipeline.Result) {
	a.statsMu.Lock()
	defer a.statsMu.Unlock()
	s := a.stats
	if s.ReloadRejections != nil {
		m := make(map[string]uint64, len(s.ReloadRejections))
		for k, v := range s.ReloadRejections {
			m[k] = v
		}
		s.ReloadRejections = m
	}
	return s, a.lastState, a.lastResult
}
