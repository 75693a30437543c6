package test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
)

// upLab brings a lab file up under a fresh prefix, with t.Cleanup tearing it down.
func upLab(t testing.TB, file string, edit func(*labs.File)) *labs.Running {
	t.Helper()
	return labstest.UpLab(t, file, vtepdBin, edit)
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// mustExec runs a command in a lab node and fails the test if it fails.
func mustExec(t testing.TB, r *labs.Running, node string, args ...string) string {
	t.Helper()
	out, err := r.Exec(ctxT(t, time.Minute), node, args[0], args[1:]...)
	if err != nil {
		t.Fatalf("%s: %v", node, err)
	}
	return out
}

// ping sends count pings and reports whether all were answered.
func ping(t testing.TB, r *labs.Running, from, to string, count int) error {
	t.Helper()
	out, err := r.Exec(ctxT(t, time.Minute), from, "ping", "-c", fmt.Sprint(count), "-i", "0.2", "-W", "2", to)
	if err != nil {
		return fmt.Errorf("ping %s -> %s: %w\n%s", from, to, err, out)
	}
	if !strings.Contains(out, fmt.Sprintf("%d received", count)) {
		return fmt.Errorf("ping %s -> %s: lost packets:\n%s", from, to, out)
	}
	return nil
}

// dumpFlows returns one bridge's flows as ovs-ofctl prints them.
func dumpFlows(t testing.TB, r *labs.Running, hv, bridge string, args ...string) string {
	t.Helper()
	out, err := r.OVS[hv].Ofctl(ctxT(t, 30*time.Second), "dump-flows", bridge, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sighup writes cfg as hv's vtepd configuration and makes vtepd reload it.
func sighup(t testing.TB, r *labs.Running, hv, cfg string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(r.NodeDir(hv), "vtepd.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.Vtepds[hv].Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
}
