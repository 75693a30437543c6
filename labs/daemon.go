package labs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/vtep/vtep/underlay"
)

// Daemon is a long-running process the lab started inside a node's
// namespace, in a session of its own so it outlives the process that started
// it (a lab brought up by `vtepctl lab up` keeps running). Its output goes to
// LogFile, its pid to a pidfile in the lab's run dir, where Close and Sweep
// find it.
type Daemon struct {
	Name    string
	Netns   string
	Pid     int
	LogFile string
	pidfile string
}

// StartDaemon starts name with args in namespace ns, its output appended to
// dir/NAME.log and its pid written to dir/NAME.pid.
func StartDaemon(ctx context.Context, ns, dir, name string, args ...string) (*Daemon, error) {
	base := filepath.Base(name)
	obj := fmt.Sprintf("daemon %s in %s", base, ns)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, wrap(obj, "create dir", err)
	}
	logPath := filepath.Join(dir, base+".log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, wrap(obj, "open log", err)
	}
	defer logf.Close()
	// Not CommandContext: the daemon must outlive ctx.
	cmd := Command(context.Background(), ns, name, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, wrap(obj, "start", err)
	}
	d := &Daemon{Name: base, Netns: ns, Pid: cmd.Process.Pid, LogFile: logPath, pidfile: filepath.Join(dir, base+".pid")}
	// Reap it when it exits while we still run; after we exit, init does.
	go func() { _ = cmd.Wait() }()
	if err := os.WriteFile(d.pidfile, []byte(strconv.Itoa(d.Pid)+"\n"), 0o644); err != nil {
		_ = d.Stop()
		return nil, wrap(obj, "write pidfile", err)
	}
	return d, nil
}

// Running reports whether the process is still alive.
func (d *Daemon) Running() bool { return alive(d.Pid) }

// Signal sends a signal to the daemon.
func (d *Daemon) Signal(sig syscall.Signal) error { return syscall.Kill(d.Pid, sig) }

// Stop terminates the daemon (SIGTERM, then SIGKILL) and waits for it.
func (d *Daemon) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return wrap(fmt.Sprintf("daemon %s in %s", d.Name, d.Netns), "stop", stopPidfile(ctx, d.pidfile))
}

// stopHolder stops the IGMP membership holder a hypervisor's vtepd started
// for bridge, found by its pidfile in the hypervisor's run dir. vtepd
// leaves it running when it stops (so that memberships survive restarts),
// so the lab that caused it removes it; Close runs this after stopping
// vtepd and before OVS.
func stopHolder(dir, bridge string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pidfile := underlay.HolderFilesIn(dir, bridge).Pidfile
	return wrap("membership holder of "+bridge+" in "+dir, "stop", stopPidfile(ctx, pidfile))
}

// ProcessAlive reports whether pid names a live (not zombie) process.
func ProcessAlive(pid int) bool { return alive(pid) }
