package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/ovsdb"
	"github.com/vtep/vtep/pipeline"
)

// ensureBridges makes the overlay bridge (secure fail mode, OpenFlow 1.3,
// vtepd as controller, named tables) and its VXLAN port, and checks the
// underlay bridge and uplink exist.
func (a *Agent) ensureBridges(ctx context.Context) error {
	cfg := a.config()
	names := map[int]string{}
	for _, t := range pipeline.Tables() {
		names[int(t.ID)] = t.Name
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// Check the underlay before writing anything: a refused start leaves
	// OVS as it was.
	if err := a.waitUnderlay(dctx); err != nil {
		return err
	}
	// The bridge and its VXLAN port in one transaction (see ovsdb).
	ofport, changed, err := a.db.EnsureBridgeWithVXLAN(ctx, ovsdb.BridgeSpec{
		Name:         cfg.Bridge,
		DatapathType: cfg.DatapathType,
		FailMode:     ovsdb.FailSecure,
		Protocols:    []string{"OpenFlow13"},
		Controllers:  []string{cfg.OpenFlow.Listen},
		// A restarted vtepd gets its bridge back within a second, not
		// OVS's default of up to eight.
		ControllerMaxBackoff: 1000,
		DisableInBand:        true,
		TableNames:           names,
	}, ovsdb.VXLAN{Name: TunnelPortName, DstPort: int(cfg.Underlay.UDPPort)})
	if err != nil {
		return err
	}
	a.log.WithFields(logrus.Fields{"bridge": cfg.Bridge, "changed": changed, "tunnel_ofport": ofport}).Info("overlay bridge ready")
	dpid, err := a.db.DatapathID(dctx, cfg.Bridge)
	if err != nil {
		return err
	}
	a.overlayDPID = dpid
	return nil
}

// errUnderlayNotReady says ovs-vswitchd has not finished setting up the
// underlay bridge (its MAC, the uplink's OpenFlow port): wait, it comes.
var errUnderlayNotReady = errors.New("not set up by ovs-vswitchd yet")

// waitUnderlay waits until the underlay bridge and uplink are ready, as
// long as ctx lasts. A missing bridge or uplink fails at once; one that
// ovs-vswitchd is still setting up (just created, or OVS just restarted) is
// read again, a little later each time.
func (a *Agent) waitUnderlay(ctx context.Context) error {
	wait := 10 * time.Millisecond
	for {
		_, err := a.readUnderlay(ctx)
		if !errors.Is(err, errUnderlayNotReady) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (waited %v)", err, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// underlayLoop keeps an OpenFlow connection to the underlay bridge's
// management socket. The underlay bridge keeps standalone fail mode and no
// controller, so it switches normally whatever happens to vtepd; vtepd only
// adds its join flows (which persist if vtepd stops).
func (a *Agent) underlayLoop(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		cfg := a.config()
		target := "unix:" + mgmtPath(cfg)
		sw, err := a.ctrl.Connect(ctx, target)
		if err != nil {
			a.log.WithFields(logrus.Fields{"target": target}).WithError(err).Debug("underlay bridge not reachable yet")
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		a.underlaySw.Store(sw)
		a.log.WithFields(logrus.Fields{"target": target, "dpid": ofapp.DPIDString(sw.DPID())}).Info("connected to underlay bridge")
		a.Kick("underlay bridge connected")
		select {
		case <-ctx.Done():
			return
		case <-sw.Done():
			a.underlaySw.CompareAndSwap(sw, nil)
			a.log.WithError(sw.Err()).Warn("underlay bridge connection lost")
		}
	}
}

// unixctlPath returns ovs-vswitchd's control socket: the configured one, or
// ovs-vswitchd.ctl / ovs-vswitchd.PID.ctl next to a unix OVSDB socket.
func unixctlPath(cfg *config.Config) (string, error) {
	if cfg.OVSUnixctl != "" {
		return cfg.OVSUnixctl, nil
	}
	dir := ovsRunDir(cfg)
	if dir == "" {
		return "", fmt.Errorf("ovs_unixctl: empty and ovsdb %q is not a unix socket to look beside", cfg.OVSDB)
	}
	p := filepath.Join(dir, "ovs-vswitchd.ctl")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	pid, err := os.ReadFile(filepath.Join(dir, "ovs-vswitchd.pid"))
	if err != nil {
		return "", fmt.Errorf("ovs_unixctl: empty, and no ovs-vswitchd.ctl or ovs-vswitchd.pid in %s: %w", dir, err)
	}
	return filepath.Join(dir, "ovs-vswitchd."+strings.TrimSpace(string(pid))+".ctl"), nil
}

// ovsRunDir is the directory of a unix OVSDB socket, where OVS keeps its
// other sockets too (OVS_RUNDIR).
func ovsRunDir(cfg *config.Config) string {
	if !strings.HasPrefix(cfg.OVSDB, "unix:") {
		return ""
	}
	return filepath.Dir(strings.TrimPrefix(cfg.OVSDB, "unix:"))
}

// mgmtPath is the underlay bridge's OpenFlow management socket (BRIDGE.mgmt
// in OVS's run directory).
func mgmtPath(cfg *config.Config) string {
	dir := ovsRunDir(cfg)
	if dir == "" {
		dir = filepath.Dir(cfg.OVSUnixctl)
	}
	return filepath.Join(dir, cfg.Underlay.Bridge+".mgmt")
}

// listenDir is the directory of a unix listen target ("" for tcp).
func listenDir(target string) string {
	if !strings.HasPrefix(target, "unix:") {
		return ""
	}
	return filepath.Dir(strings.TrimPrefix(target, "unix:"))
}

// prepareSocketDir creates the directory of a unix listen target.
func prepareSocketDir(target string) error {
	if !strings.HasPrefix(target, "unix:") {
		return nil
	}
	dir := filepath.Dir(strings.TrimPrefix(target, "unix:"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("openflow.listen: create %s: %w", dir, err)
	}
	return nil
}
