package test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/agent"
	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
)

// TestStartGuards: a second vtepd for a bridge refuses to start, naming the
// lock and the running vtepd; a start refused after validation changes
// nothing in OVSDB; and a stale vtepd that exits leaves the sockets of the
// vtepd that replaced it alone.
func TestStartGuards(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	dir := r.NodeDir("hv1")
	cfgPath := filepath.Join(dir, "vtepd.yaml")

	t.Run("second-vtepd", func(t *testing.T) {
		out, err := r.Exec(ctxT(t, 30*time.Second), "hv1", vtepdBin, "-config", cfgPath)
		lock := filepath.Join(dir, labs.DefaultOverlayBridge+".vtepd.lock")
		pid := fmt.Sprint(r.Vtepds["hv1"].Pid)
		if err == nil || !strings.Contains(out, lock) || !strings.Contains(out, "pid "+pid) {
			t.Fatalf("second vtepd: %v, output:\n%s\nwant an error naming %s and pid %s", err, out, lock, pid)
		}
		if !r.Vtepds["hv1"].Running() || !status(t, r, "hv1").Ready {
			t.Fatal("the first vtepd suffered from the second")
		}
	})

	t.Run("refused-start-changes-nothing", func(t *testing.T) {
		// Another bridge whose tunnel port name is taken by br-int's.
		b, err := os.ReadFile(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		cfg := strings.NewReplacer("bridge: br-int", "bridge: br-new", "vtepd.sock", "vtepd2.sock", "vtepd-api.sock", "vtepd2-api.sock").Replace(string(b))
		other := filepath.Join(dir, "vtepd2.yaml")
		if err := os.WriteFile(other, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		o := r.OVS["hv1"]
		before, _ := o.Vsctl(ctxT(t, 10*time.Second), "--columns=name,fail_mode,controller,ports", "list", "Bridge")
		out, err := r.Exec(ctxT(t, 30*time.Second), "hv1", vtepdBin, "-config", other)
		if err == nil || !strings.Contains(out, agent.TunnelPortName) {
			t.Fatalf("vtepd for br-new: %v, output:\n%s\nwant a refusal naming %s", err, out, agent.TunnelPortName)
		}
		after, _ := o.Vsctl(ctxT(t, 10*time.Second), "--columns=name,fail_mode,controller,ports", "list", "Bridge")
		if before != after || strings.Contains(after, "br-new") {
			t.Fatalf("a refused start changed OVSDB:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})

	t.Run("stale-exit-keeps-live-sockets", func(t *testing.T) {
		staleVtepdExit(t, r, dir)
	})
}

// staleVtepdExit: hv1's vtepd (A) goes stale: its sockets and lock file
// are taken over by a new vtepd (B). When A finally exits, B's sockets
// stay, and B keeps serving.
func staleVtepdExit(t *testing.T, r *labs.Running, dir string) {
	a := r.Vtepds["hv1"]
	socks := []string{filepath.Join(dir, "vtepd.sock"), filepath.Join(dir, "vtepd-api.sock")}
	for _, f := range append(socks, filepath.Join(dir, labs.DefaultOverlayBridge+".vtepd.lock")) {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	// B under another name: its own pidfile and log in the run dir.
	bin := filepath.Join(t.TempDir(), "vtepd-b")
	if err := os.Symlink(vtepdBin, bin); err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t, time.Minute)
	if err := r.StartVtepd(ctx, "hv1", bin); err != nil {
		t.Fatal(err)
	}
	// B serves its API, but OVS stays connected to A until A exits.
	cl := api.NewClient("unix:" + socks[1])
	if err := labs.WaitFor(ctx, 50*time.Millisecond, func() (bool, error) {
		_, err := cl.Status(ctx)
		return err == nil, err
	}); err != nil {
		t.Fatalf("B does not serve its API: %v", err)
	}
	var owned []os.FileInfo
	for _, f := range socks {
		fi, err := os.Lstat(f)
		if err != nil {
			t.Fatalf("B's socket: %v", err)
		}
		owned = append(owned, fi)
	}
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	for i, f := range socks {
		fi, err := os.Lstat(f)
		if err != nil || !os.SameFile(fi, owned[i]) {
			t.Fatalf("after the stale vtepd exited, %s is gone or replaced: %v", f, err)
		}
	}
	err := labs.WaitFor(ctx, 100*time.Millisecond, func() (bool, error) {
		s, err := cl.Status(ctx)
		return err == nil && s.Ready && s.OverlayConnected, err
	})
	if err != nil {
		t.Fatalf("B after A exited: %v", err)
	}
}
