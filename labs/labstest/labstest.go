package labstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
)

// RequireEnv is the environment variable that turns a would-be skip of an
// integration test into a failure. CI sets it to 1.
const RequireEnv = "VTEP_REQUIRE_INTEGRATION"

// Require skips the test unless it runs as root with Open vSwitch and the
// network tools installed; with VTEP_REQUIRE_INTEGRATION=1 it fails instead.
// With -short (make test-unit) it always skips: the caller asked for unit tests.
func Require(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test skipped in -short mode")
	}
	reason := ""
	if os.Geteuid() != 0 {
		reason = "needs root (network namespaces, OVS)"
	} else if missing := labs.MissingTools(); len(missing) > 0 {
		reason = "needs OVS and network tools; missing: " + strings.Join(missing, ", ")
	}
	if reason == "" {
		return
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("integration test cannot run and %s=1: %s", RequireEnv, reason)
	}
	t.Skip("integration test skipped: " + reason)
}

// Prefix returns a unique short prefix ("vt" and six hex digits) for the
// names of everything one test creates. Tests of several packages run at
// once, so a prefix is drawn from 16 million and skipped if anything of a
// lab with it exists already.
func Prefix(t testing.TB) string {
	t.Helper()
	var p string
	for {
		b := make([]byte, 3)
		if _, err := rand.Read(b); err != nil {
			t.Fatalf("random prefix: %v", err)
		}
		p = labs.TestPrefix + hex.EncodeToString(b)
		if len(Leftovers([]string{p})) == 0 {
			break
		}
	}
	usedMu.Lock()
	used = append(used, p)
	usedMu.Unlock()
	return p
}

var (
	usedMu sync.Mutex
	used   []string
)

// UsedPrefixes returns every prefix Prefix handed out in this process, so a
// TestMain can check that the tests left nothing behind under them (and
// ignore labs of tests running in parallel in other processes).
func UsedPrefixes() []string {
	usedMu.Lock()
	defer usedMu.Unlock()
	return append([]string(nil), used...)
}

// Leftovers lists what remains of the labs of the given prefixes:
// namespaces, run directories, pidfiles and FRR directories.
func Leftovers(prefixes []string) []string {
	var out []string
	for _, p := range prefixes {
		names, _ := labs.ListNetns(p + "-")
		for _, n := range names {
			out = append(out, "namespace "+n)
		}
		dir := labs.RunDir(p)
		if _, err := os.Stat(dir); err == nil {
			out = append(out, "directory "+dir)
		}
		pids, _ := filepath.Glob(filepath.Join(dir, "*", "*.pid"))
		for _, f := range pids {
			out = append(out, "pidfile "+f)
		}
		for _, root := range []string{labs.FRRConfDir, labs.FRRRunDir} {
			frr, _ := filepath.Glob(filepath.Join(root, p+"-*"))
			for _, d := range frr {
				out = append(out, "FRR directory "+d)
			}
		}
	}
	return out
}

// Dir returns a fresh short directory for prefix (unix socket paths must stay
// under 108 bytes, which t.TempDir's long paths can exceed), removed when the test ends.
func Dir(t testing.TB, prefix string) string {
	t.Helper()
	dir := labs.RunDir(prefix)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create %s: %v", dir, err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// Netns creates a namespace named PREFIX-suffix, deleted when the test ends.
func Netns(t testing.TB, prefix, suffix string) string {
	t.Helper()
	name := prefix + "-" + suffix
	if err := labs.AddNetns(name); err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		if err := labs.DelNetns(name); err != nil {
			t.Errorf("%v", err)
		}
	})
	return name
}

// NewOVS starts an OVS instance in a fresh namespace, stopped and removed
// when the test ends.
func NewOVS(t testing.TB) *labs.OVS {
	t.Helper()
	Require(t)
	p := Prefix(t)
	dir := Dir(t, p)
	ns := Netns(t, p, "ovs")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	o, err := labs.StartOVS(ctx, p+"-ovs", ns, filepath.Join(dir, "ovs"))
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		if err := o.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
	return o
}

// RequireFRR is Require for tests of labs with FRR nodes: it also skips
// (or fails, under VTEP_REQUIRE_INTEGRATION=1) when FRR is not installed.
func RequireFRR(t testing.TB) {
	t.Helper()
	Require(t)
	missing := labs.MissingFRR()
	if len(missing) == 0 {
		return
	}
	reason := "needs FRR (make deps installs frr); missing: " + strings.Join(missing, ", ")
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("integration test cannot run and %s=1: %s", RequireEnv, reason)
	}
	t.Skip("integration test skipped: " + reason)
}
