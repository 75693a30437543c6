package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/vtep/vtep/labs"
)

func init() {
	registerLab("up", labCommand("up", "FILE [--prefix P] [--vtepd PATH]",
		"build a lab from its file and start one vtepd per hypervisor; the lab runs until `lab down`",
		labParse{flags: []string{"prefix", "vtepd"}}, runLabUp))
}

// upTimeout bounds bringing a lab up.
const upTimeout = 3 * time.Minute

func runLabUp(c labCtx, a *labArgs) error {
	if len(a.pos) != 1 || len(a.rest) > 0 {
		return usageErr("want exactly one lab file")
	}
	_, err := bringUp(c, a.pos[0], a)
	if err != nil {
		return err
	}
	return nil
}

// bringUp loads a lab file, brings the lab up and records it, printing
// progress. On failure nothing of the lab is left.
func bringUp(c labCtx, path string, a *labArgs) (*labs.Running, error) {
	f, err := labs.LoadFile(path)
	if err != nil {
		return nil, err
	}
	if a.prefix != "" {
		f.Prefix = a.prefix
		if err := f.Check(); err != nil {
			return nil, fmt.Errorf("--prefix: %w", err)
		}
	}
	vtepd, err := findVtepd(a.vtepd)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(c.ctx, upTimeout)
	defer cancel()
	c.printf("lab %s: %s\n", f.Prefix, f.Description)
	c.printf("  vtepd: %s\n", vtepd)
	start := time.Now()
	r, err := labs.Up(ctx, f, vtepd, func(s string) { c.printf("  %s\n", s) })
	if err != nil {
		return nil, fmt.Errorf("lab %q did not come up (nothing of it is left): %w", f.Prefix, err)
	}
	if err := saveLabState(f, path, vtepd); err != nil {
		if _, derr := labs.Down(context.Background(), f.Prefix); derr != nil {
			err = errors.Join(err, derr)
		}
		return nil, err
	}
	c.printf("lab %s is up (%.1fs); run dir %s\n", f.Prefix, time.Since(start).Seconds(), r.Dir)
	c.printf("  explore:   vtepctl lab status --prefix %s\n", f.Prefix)
	if len(f.VMs) > 0 {
		c.printf("             vtepctl lab exec --prefix %s %s -- ping -c1 ADDRESS\n", f.Prefix, f.VMs[0].Name)
	}
	if len(f.Hypervisors) > 0 {
		c.printf("             vtepctl lab macs --prefix %s %s\n", f.Prefix, f.Hypervisors[0].Name)
	}
	c.printf("  take down: vtepctl lab down --prefix %s\n", f.Prefix)
	return r, nil
}

// findVtepd returns the vtepd binary a lab runs: the one given, else the
// vtepd next to this vtepctl, else vtepd on PATH.
func findVtepd(given string) (string, error) {
	if given != "" {
		p, err := filepath.Abs(given)
		if err != nil {
			return "", fmt.Errorf("--vtepd %q: %w", given, err)
		}
		if err := isExecutable(p); err != nil {
			return "", fmt.Errorf("--vtepd %q: %w", given, err)
		}
		return p, nil
	}
	if self, err := os.Executable(); err == nil {
		if resolved, err := filepath.EvalSymlinks(self); err == nil {
			self = resolved
		}
		next := filepath.Join(filepath.Dir(self), "vtepd")
		if isExecutable(next) == nil {
			return next, nil
		}
	}
	p, err := exec.LookPath("vtepd")
	if err != nil {
		return "", errors.New("no vtepd binary: none next to vtepctl, none on PATH; build it (make build) or give --vtepd PATH")
	}
	return filepath.Abs(p)
}

func isExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}
