package labs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
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
// programmed its bridges. On failure it removes what it made.
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
	if err := r.startVtepds(ctx, vtepdPath, progress); err != nil {
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
	nd, err := r.StartDaemon(ctx, hv, vtepdPath, "-config", filepath.Join(r.NodeDir(hv), "vtepd.yaml"))
	if err != nil {
		return err
	}
	r.Vtepds[hv] = nd
	return nil
}

// WaitProgrammed waits until the hypervisor's vtepd is connected and has
// installed its pipeline (and, in multicast mode, its join flows).
func (r *Running) WaitProgrammed(ctx context.Context, hv string) error {
	o := r.OVS[hv]
	d := r.Vtepds[hv]
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	multicast := r.File.VTEP.Flood == "" || r.File.VTEP.Flood == "multicast"
	err := WaitFor(ctx, 100*time.Millisecond, func() (bool, error) {
		if d != nil && !d.Running() {
			return false, fmt.Errorf("vtepd exited; see %s", d.LogFile)
		}
		out, err := o.Ofctl(ctx, "dump-flows", DefaultOverlayBridge, "table=50")
		if err != nil || !strings.Contains(out, "cookie=0x4") {
			return false, err
		}
		if !multicast {
			return true, nil
		}
		out, err = o.Ofctl(ctx, "dump-flows", DefaultUnderlayBridge)
		return err == nil && strings.Contains(out, "tp_dst=4789"), err
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
