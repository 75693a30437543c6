package labs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
)

// OVSSchema is where Debian's openvswitch-common installs the database schema.
const OVSSchema = "/usr/share/openvswitch/vswitch.ovsschema"

// OVS is one ovsdb-server + ovs-vswitchd pair living in a network namespace,
// with its own run directory: its database, db socket, unixctl sockets,
// pidfiles, logs and the bridges' management sockets (BRIDGE.mgmt) all live
// in Dir, so several instances never collide (each gets its own OVS_RUNDIR).
// ovs-vswitchd runs with --disable-system: bridges use the userspace datapath.
type OVS struct {
	Name  string // e.g. "vt3f2a-hv1", used in errors and logs
	Netns string // namespace it runs in ("" = the caller's)
	Dir   string // run directory

	createdDir bool
}

// StartOVS creates the database in dir (created if missing) and starts
// ovsdb-server and ovs-vswitchd inside netns. Both daemons detach, so a lab
// outlives the process that built it; Close or Sweep stops them by pidfile.
func StartOVS(ctx context.Context, name, ns, dir string) (*OVS, error) {
	o := &OVS{Name: name, Netns: ns, Dir: dir}
	obj := fmt.Sprintf("ovs %q", name)
	if len(o.Mgmt("br-phy-longest")) > 107 {
		return nil, wrap(obj, "check run dir", fmt.Errorf("run dir %q is too long for unix socket paths", dir))
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		o.createdDir = true
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, wrap(obj, "create run dir", err)
	}
	if _, err := o.run(ctx, "ovsdb-tool", "create", o.path("conf.db"), OVSSchema); err != nil {
		o.cleanupDir()
		return nil, wrap(obj, "create database", err)
	}
	if _, err := o.run(ctx, "ovsdb-server", o.path("conf.db"),
		"--remote=punix:"+o.DBSocket(), "--pidfile="+o.path("ovsdb-server.pid"),
		"--unixctl="+o.path("ovsdb-server.ctl"), "--detach", "--no-chdir",
		"--log-file="+o.path("ovsdb-server.log")); err != nil {
		o.cleanupDir()
		return nil, wrap(obj, "start ovsdb-server", err)
	}
	if _, err := o.Vsctl(ctx, "--no-wait", "init"); err != nil {
		_ = o.Close()
		return nil, wrap(obj, "initialise database", err)
	}
	if err := o.StartVswitchd(ctx); err != nil {
		_ = o.Close()
		return nil, err
	}
	logrus.WithFields(logrus.Fields{"ovs": name, "netns": ns, "dir": dir}).Debug("ovs instance started")
	return o, nil
}

func (o *OVS) path(f string) string { return filepath.Join(o.Dir, f) }

func (o *OVS) cleanupDir() {
	if o.createdDir {
		_ = os.RemoveAll(o.Dir)
	}
}

// run runs an OVS tool with this instance's environment.
func (o *OVS) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := Command(ctx, o.Netns, name, args...)
	cmd.Env = append(os.Environ(), "OVS_RUNDIR="+o.Dir, "OVS_LOGDIR="+o.Dir, "OVS_DBDIR="+o.Dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// DBSocket returns the path of the database's unix socket.
func (o *OVS) DBSocket() string { return o.path("db.sock") }

// DBTarget returns the OVSDB endpoint, "unix:" + DBSocket().
func (o *OVS) DBTarget() string { return "unix:" + o.DBSocket() }

// Unixctl returns the path of ovs-vswitchd's control socket.
func (o *OVS) Unixctl() string { return o.path("ovs-vswitchd.ctl") }

// Mgmt returns the path of a bridge's OpenFlow management socket.
func (o *OVS) Mgmt(bridge string) string { return o.path(bridge + ".mgmt") }

// Vsctl runs ovs-vsctl against this instance's database.
func (o *OVS) Vsctl(ctx context.Context, args ...string) (string, error) {
	return o.run(ctx, "ovs-vsctl", append([]string{"--db=" + o.DBTarget(), "--timeout=10"}, args...)...)
}

// Ofctl runs `ovs-ofctl -O OpenFlow13 CMD unix:<bridge mgmt> ARGS...`.
func (o *OVS) Ofctl(ctx context.Context, cmd, bridge string, args ...string) (string, error) {
	return o.run(ctx, "ovs-ofctl", append([]string{"-O", "OpenFlow13", cmd, "unix:" + o.Mgmt(bridge)}, args...)...)
}

// Appctl runs ovs-appctl against this instance's ovs-vswitchd.
func (o *OVS) Appctl(ctx context.Context, args ...string) (string, error) {
	return o.run(ctx, "ovs-appctl", append([]string{"-t", o.Unixctl()}, args...)...)
}

// VswitchdPidfile returns the path of ovs-vswitchd's pidfile.
func (o *OVS) VswitchdPidfile() string { return o.path("ovs-vswitchd.pid") }

// VswitchdPid returns the pid ovs-vswitchd's pidfile names.
func (o *OVS) VswitchdPid() (int, error) { return readPidfile(o.VswitchdPidfile()) }

// StartVswitchd starts ovs-vswitchd (userspace datapath only) and returns
// once it has detached, that is once it is serving.
func (o *OVS) StartVswitchd(ctx context.Context) error {
	_, err := o.run(ctx, "ovs-vswitchd", o.DBTarget(), "--pidfile="+o.VswitchdPidfile(),
		"--unixctl="+o.Unixctl(), "--detach", "--no-chdir", "--disable-system",
		"--log-file="+o.path("ovs-vswitchd.log"))
	return wrap(fmt.Sprintf("ovs %q", o.Name), "start ovs-vswitchd", err)
}

// StopVswitchd stops ovs-vswitchd only (its database keeps running) and
// waits until the process is gone.
func (o *OVS) StopVswitchd(ctx context.Context) error {
	return wrap(fmt.Sprintf("ovs %q", o.Name), "stop ovs-vswitchd", stopPidfile(ctx, o.VswitchdPidfile()))
}

// StopDB stops ovsdb-server only and waits until it is gone.
func (o *OVS) StopDB(ctx context.Context) error {
	return wrap(fmt.Sprintf("ovs %q", o.Name), "stop ovsdb-server", stopPidfile(ctx, o.path("ovsdb-server.pid")))
}

// StartDB starts ovsdb-server again on the existing database.
func (o *OVS) StartDB(ctx context.Context) error {
	_, err := o.run(ctx, "ovsdb-server", o.path("conf.db"),
		"--remote=punix:"+o.DBSocket(), "--pidfile="+o.path("ovsdb-server.pid"),
		"--unixctl="+o.path("ovsdb-server.ctl"), "--detach", "--no-chdir",
		"--log-file="+o.path("ovsdb-server.log"))
	return wrap(fmt.Sprintf("ovs %q", o.Name), "start ovsdb-server", err)
}

// Close stops both daemons and removes the run directory if StartOVS made it.
func (o *OVS) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := errors.Join(o.StopVswitchd(ctx), o.StopDB(ctx))
	o.cleanupDir()
	return err
}

// stopPidfile sends SIGTERM to the process named in a pidfile, then SIGKILL
// if it has not gone by the time half of the context's time is spent, and
// waits until it is gone. A missing pidfile or process is not an error.
func stopPidfile(ctx context.Context, pidfile string) error {
	b, err := os.ReadFile(pidfile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return fmt.Errorf("pidfile %s: bad pid %q", pidfile, strings.TrimSpace(string(b)))
	}
	err = stopPid(ctx, pid)
	if err == nil {
		_ = os.Remove(pidfile)
	}
	return err
}

func stopPid(ctx context.Context, pid int) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		return fmt.Errorf("kill %d: %w", pid, err)
	}
	killAt := time.Now().Add(3 * time.Second)
	for {
		if !alive(pid) {
			return nil
		}
		if time.Now().After(killAt) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("process %d still running: %w", pid, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// alive reports whether pid names a live (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// state is the field after the parenthesised command name
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return false
	}
	// A zombie we started (not detached) is reaped by our Wait elsewhere.
	return s[i+2] != 'Z'
}

// lookPath reports which of the named programs are missing.
func lookPath(names ...string) []string {
	var missing []string
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			missing = append(missing, n)
		}
	}
	return missing
}

// MissingTools returns the programs labs needs that are not installed.
func MissingTools() []string {
	missing := lookPath("ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-ofctl", "ovs-appctl", "ovsdb-tool", "ip", "ethtool")
	if _, err := os.Stat(OVSSchema); err != nil {
		missing = append(missing, OVSSchema)
	}
	return missing
}
