package labs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/vtep/vtep/api"
)

// Running is a lab brought up from a File: the built topology plus one
// vtepd per hypervisor.
type Running struct {
	*Lab
	File   *File
	Vtepds map[string]*Daemon
}

// Up builds a lab file's topology, writes each hypervisor's vtepd
// configuration into its run dir, starts vtepd (the binary at vtepdPath)
// inside each hypervisor's namespace and waits until every one has
// programmed its bridges, every BGP session between the lab's nodes is
// established and every PIM router has its PIM neighbours. On failure it removes what it made.
func Up(ctx context.Context, f *File, vtepdPath string, progress func(string)) (*Running, error) {
	if progress == nil {
		progress = func(string) {}
	}
	if err := f.Check(); err != nil {
		return nil, err
	}
	progress(fmt.Sprintf("building lab %q: %d hypervisors, %d VMs, %d physical VTEPs", f.Prefix, len(f.Hypervisors), len(f.VMs), len(f.PhysicalVTEPs)))
	l, err := Build(ctx, f.Topology())
	if err != nil {
		return nil, err
	}
	r := &Running{Lab: l, File: f, Vtepds: map[string]*Daemon{}}
	err = r.startVtepds(ctx, vtepdPath, progress)
	if err == nil {
		err = r.waitSessions(ctx, progress)
	}
	if err == nil {
		err = r.WaitPIM(ctx)
	}
	if err != nil {
		if cerr := l.Close(); cerr != nil {
			err = fmt.Errorf("%w (cleanup: %v)", err, cerr)
		}
		return nil, err
	}
	return r, nil
}

func (r *Running) startVtepds(ctx context.Context, vtepdPath string, progress func(string)) error {
	for _, h := range r.File.Hypervisors {
		dir := r.NodeDir(h.Name)
		cfg := filepath.Join(dir, "vtepd.yaml")
		if err := os.WriteFile(cfg, r.File.VtepdConfig(h, dir), 0o644); err != nil {
			return wrap(fmt.Sprintf("hypervisor %q", h.Name), "write vtepd configuration", err)
		}
		d, err := r.StartDaemon(ctx, h.Name, vtepdPath, "-config", cfg)
		if err != nil {
			return err
		}
		r.Vtepds[h.Name] = d
		progress(fmt.Sprintf("started vtepd on %s (pid %d, log %s)", h.Name, d.Pid, d.LogFile))
	}
	for _, h := range r.File.Hypervisors {
		if err := r.WaitProgrammed(ctx, h.Name); err != nil {
			return err
		}
		progress(fmt.Sprintf("vtepd on %s has programmed br-int and br-phy", h.Name))
	}
	return nil
}

// RestartVtepd stops a hypervisor's vtepd and starts it again with the same
// configuration; the switch keeps its flows meanwhile.
func (r *Running) RestartVtepd(ctx context.Context, hv, vtepdPath string) error {
	d, ok := r.Vtepds[hv]
	if !ok {
		return fmt.Errorf("labs: no vtepd on %q", hv)
	}
	if err := d.Stop(); err != nil {
		return err
	}
	return r.StartVtepd(ctx, hv, vtepdPath)
}

// StartVtepd starts a hypervisor's vtepd (again) with its configuration,
// without waiting for it to program OVS (see WaitProgrammed).
func (r *Running) StartVtepd(ctx context.Context, hv, vtepdPath string) error {
	nd, err := r.StartDaemon(ctx, hv, vtepdPath, "-config", filepath.Join(r.NodeDir(hv), "vtepd.yaml"))
	if err != nil {
		return err
	}
	r.Vtepds[hv] = nd
	return nil
}

// CrashVtepd kills a hypervisor's vtepd with SIGKILL, as a crash would, and
// waits until it is gone. Nothing of vtepd's runs its exit path: what it
// started (the IGMP membership holder) keeps running.
func (r *Running) CrashVtepd(ctx context.Context, hv string) error {
	d, ok := r.Vtepds[hv]
	if !ok {
		return fmt.Errorf("labs: no vtepd on %q", hv)
	}
	if err := d.Signal(syscall.SIGKILL); err != nil {
		return wrap(fmt.Sprintf("vtepd of %q", hv), "kill", err)
	}
	return WaitFor(ctx, 10*time.Millisecond, func() (bool, error) { return !d.Running(), nil })
}

// WaitProgrammed waits until the hypervisor's vtepd is connected and has
// installed its pipeline (and, in multicast mode, its join flows).
func (r *Running) WaitProgrammed(ctx context.Context, hv string) error {
	d := r.Vtepds[hv]
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	api := api.NewClient("unix:" + filepath.Join(r.NodeDir(hv), "vtepd-api.sock"))
	err := WaitFor(ctx, 100*time.Millisecond, func() (bool, error) {
		if d != nil && !d.Running() {
			return false, fmt.Errorf("vtepd exited; see %s", d.LogFile)
		}
		// Ready: vtepd has completed one reconcile of both bridges (flows,
		// groups, tunnel routes, memberships, replication peers).
		s, err := api.Status(ctx)
		return err == nil && s.Ready, err
	})
	if err != nil {
		logTail := ""
		if d != nil {
			b, _ := os.ReadFile(d.LogFile)
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) > 10 {
				lines = lines[len(lines)-10:]
			}
			logTail = "\n" + strings.Join(lines, "\n")
		}
		return wrap(fmt.Sprintf("hypervisor %q", hv), "wait for vtepd to program OVS", fmt.Errorf("%w%s", err, logTail))
	}
	logrus.WithField("hypervisor", hv).Debug("vtepd programmed")
	return nil
}

// Attach returns a lab file's Running as brought up earlier, possibly by
// another process: its OVS instances and vtepds are found by the names and
// run dirs Up gives them. vtepdName is the base name of the vtepd binary Up
// started (its pidfile is NAME.pid in each hypervisor's run dir). Attach
// starts and creates nothing, and the returned lab's Close removes nothing:
// take an attached lab down with Down.
func Attach(f *File, vtepdName string) (*Running, error) {
	topo := f.Topology()
	if err := topo.Validate(); err != nil {
		return nil, err
	}
	dir := RunDir(f.Prefix)
	if _, err := os.Stat(dir); err != nil {
		return nil, wrap(fmt.Sprintf("lab %q", f.Prefix), "attach", fmt.Errorf("is the lab up? %w", err))
	}
	l := &Lab{Topology: topo, Dir: dir, OVS: map[string]*OVS{}, log: logrus.WithField("lab", f.Prefix)}
	r := &Running{Lab: l, File: f, Vtepds: map[string]*Daemon{}}
	for _, h := range topo.Hypervisors {
		ns := topo.Netns(h.Name)
		l.OVS[h.Name] = &OVS{Name: ns, Netns: ns, Dir: l.NodeDir(h.Name)}
		pidfile := filepath.Join(l.NodeDir(h.Name), vtepdName+".pid")
		d := &Daemon{Name: vtepdName, Netns: ns, LogFile: filepath.Join(l.NodeDir(h.Name), vtepdName+".log"), pidfile: pidfile}
		if pid, err := readPidfile(pidfile); err == nil {
			d.Pid = pid
		}
		r.Vtepds[h.Name] = d
	}
	return r, nil
}

// readPidfile returns the pid a pidfile names.
func readPidfile(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return 0, fmt.Errorf("pidfile %s: bad pid %q", path, strings.TrimSpace(string(b)))
	}
	return pid, nil
}

// PidAlive reports whether the process a pidfile names is alive (false if
// the pidfile is missing).
func PidAlive(pidfile string) (int, bool) {
	pid, err := readPidfile(pidfile)
	if err != nil {
		return 0, false
	}
	return pid, alive(pid)
}

// Down removes what the lab with exactly this prefix made, also when the
// process that brought it up is gone: the processes running in its
// namespaces (vtepd, OVS, anything started with `lab exec`), the namespaces
// PREFIX-*, daemons named in pidfiles under its run dir, the run dir, and
// the FRR directories (/etc/frr/PREFIX-*, /var/run/frr/PREFIX-*) it made.
// Unlike Sweep, which removes every lab whose prefix starts with its
// argument, Down leaves a lab "fig42" alone when taking "fig4" down. It
// returns the namespaces it removed.
func Down(ctx context.Context, prefix string) ([]string, error) {
	if err := ValidateName("lab prefix", prefix, 16); err != nil {
		return nil, err
	}
	names, err := ListNetns(prefix + "-")
	if err != nil {
		return nil, err
	}
	return names, removeLab(ctx, names, []string{RunDir(prefix)}, prefix+"-*")
}
