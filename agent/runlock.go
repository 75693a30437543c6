package agent

import (
	"fmt"
	"path/filepath"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/internal/pidlock"
)

// RunDir is where vtepd keeps its lock and its membership holder's files:
// the directory of a unix openflow.listen socket (OVS's run directory,
// where ovs-vswitchd accepts controller sockets), else OVS's run
// directory next to the OVSDB socket or the control socket.
func RunDir(cfg *config.Config) string {
	if d := listenDir(cfg.OpenFlow.Listen); d != "" {
		return d
	}
	if d := ovsRunDir(cfg); d != "" {
		return d
	}
	return filepath.Dir(cfg.OVSUnixctl)
}

// LockPath is the lock file a running vtepd holds for its bridge.
func LockPath(cfg *config.Config) string {
	return filepath.Join(RunDir(cfg), cfg.Bridge+".vtepd.lock")
}

// lockRunDir takes the bridge's lock for the life of the process, so that
// a second vtepd for the same bridge refuses to start and changes nothing.
func (a *Agent) lockRunDir(cfg *config.Config) (*pidlock.Lock, error) {
	path := LockPath(cfg)
	if err := prepareSocketDir("unix:" + path); err != nil {
		return nil, err
	}
	l, err := pidlock.Acquire(path)
	if err != nil {
		return nil, fmt.Errorf("bridge %q is run by another vtepd: %w", cfg.Bridge, err)
	}
	return l, nil
}
