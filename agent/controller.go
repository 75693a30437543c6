package agent

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/ovsdb"
)

// ControllerStatus returns what ovs-vswitchd says about the overlay
// bridge's connection to vtepd (the Controller row whose target is
// openflow.listen): whether it is connected and, if not, why. A unix
// listen socket outside OVS's run directory, which ovs-vswitchd refuses
// without a word in the database, is named as the reason. Call it once
// Run has reached OVSDB (after Ready, or from the local API, which Run
// starts after that).
func (a *Agent) ControllerStatus(ctx context.Context) (ovsdb.ControllerStatus, error) {
	cfg := a.config()
	if a.ports == nil {
		return ovsdb.ControllerStatus{}, fmt.Errorf("controller status of bridge %s: ovsdb: %w", cfg.Bridge, ErrNotConnected)
	}
	all, err := a.ports.ControllerStatus(ctx, cfg.Bridge)
	if err != nil {
		return ovsdb.ControllerStatus{}, fmt.Errorf("controller status: %w", err)
	}
	for _, cs := range all {
		if cs.Target == cfg.OpenFlow.Listen {
			return explainController(cfg, cs), nil
		}
	}
	return ovsdb.ControllerStatus{}, fmt.Errorf("controller status: bridge %s has no controller %s: %w", cfg.Bridge, cfg.OpenFlow.Listen, ovsdb.ErrNotFound)
}

// explainController replaces the generic reason for an empty status with
// the precise one when the configuration shows the cause: a unix listen
// socket outside OVS's run directory.
func explainController(cfg *config.Config, cs ovsdb.ControllerStatus) ovsdb.ControllerStatus {
	dir, run := listenDir(cs.Target), ovsRunDir(cfg)
	if cs.IsConnected || cs.State != "" || !strings.HasPrefix(cs.Target, "unix:") || dir == "" || run == "" ||
		filepath.Clean(dir) == filepath.Clean(run) {
		return cs
	}
	cs.Reason = fmt.Sprintf("ovs-vswitchd does not connect to unix socket controllers outside its run directory %s "+
		"(possible remote exploit); set openflow.listen to a socket there", run)
	return cs
}
