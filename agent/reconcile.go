package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// Reconcile reads OVSDB, builds the pipeline and applies the difference to
// each bridge in one bundle; it also keeps routes and memberships of the
// groups in use. It returns how many changes it made.
func (a *Agent) Reconcile(ctx context.Context) (int, error) {
	a.reconcileMu.Lock()
	defer a.reconcileMu.Unlock()
	if a.ports == nil || a.switches == nil {
		return 0, errNotStarted
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cfg := a.config()
	st, err := a.readState(ctx, cfg)
	if err != nil {
		return 0, err
	}
	// The switches' reads run while Build does (readahead.go).
	over, overOK := a.switches.Overlay()
	var overRead, underRead *InstalledRead
	if overOK {
		overRead = ReadAhead(ctx, over, true)
	}
	var under Switch
	if sw, ok := a.switches.Underlay(); ok {
		under = sw
		underRead = ReadAhead(ctx, under, under.DPID() == a.overlayDPID)
	}
	res, err := pipeline.Build(st)
	if err != nil {
		return 0, err
	}
	// before the flood flows use them
	total := a.resolveGateways(ctx, cfg)
	if cfg.Flood.Mode == config.FloodReplication {
		total += a.resolvePeers(ctx, cfg)
	}
	if !overOK {
		return 0, fmt.Errorf("overlay bridge %s (dpid %s): %w", cfg.Bridge, ofapp.DPIDString(a.overlayDPID), ErrNotConnected)
	}
	n, err := a.apply(ctx, over, overRead, res.Overlay, res.Groups, res.Meters)
	total += n
	if err != nil {
		return total, fmt.Errorf("overlay bridge %s: %w", cfg.Bridge, err)
	}
	n, err = a.reconcileUnderlay(ctx, cfg, under, underRead, res.Underlay)
	total += n
	a.statsMu.Lock()
	a.lastState, a.lastResult = st, res
	a.statsMu.Unlock()
	return total, err
}

// reconcileUnderlay applies the underlay bridge's flows (sw is nil when it
// has no session; read is its installed flows, read ahead) and keeps the
// groups' memberships.
func (a *Agent) reconcileUnderlay(ctx context.Context, cfg *config.Config, sw Switch, read *InstalledRead, flows []ofapp.Flow) (int, error) {
	total := 0
	var errs []error
	if sw == nil {
		errs = append(errs, fmt.Errorf("underlay bridge %s (management socket %s): %w", cfg.Underlay.Bridge, mgmtPath(cfg), ErrNotConnected))
	} else {
		n, err := a.apply(ctx, sw, read, flows, nil, nil)
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
	a.checkTunnelReceive(ctx)
	return total, errors.Join(errs...)
}

// apply diffs and applies one switch's flows (and groups and meters, on the
// overlay bridge) in one bundle, meter adds before it and meter deletes
// after it. read is what the switch has installed, read ahead.
func (a *Agent) apply(ctx context.Context, sw Switch, read *InstalledRead, flows []ofapp.Flow, groups []ofapp.GroupEntry, meters []ofapp.MeterEntry) (int, error) {
	installed, haveGroups, haveMeters, err := read.Wait(ctx)
	if err != nil {
		return 0, err
	}
	var wantGroups []ofapp.GroupEntry
	overlay := read.tables
	if overlay {
		wantGroups = groups
	}
	b := Diff(installed, flows, haveGroups, wantGroups)
	if overlay {
		DiffMeters(b, haveMeters, meters)
	}
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
