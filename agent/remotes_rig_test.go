package agent

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/agent/agenttest"
	"github.com/vtep/vtep/pipeline"
)

// TestRemoteKeeperPass: a pass of the keeper reads the learned remote
// VTEPs and OVS's cache; one already cached is fresh, a placeholder is
// skipped, and one OVS routes through a gateway is refused (checked again
// later), each counted once.
func TestRemoteKeeperPass(t *testing.T) {
	r := newRig(t, rigConfig)
	r.mustConverge(t)
	ctx := context.Background()
	for _, call := range [][]string{
		{"tnl/neigh/set", "br-phy", "10.0.0.2", "02:00:00:00:01:02"},
		{"ovs/route/add", "10.0.0.3/32", "br-phy", "10.0.0.9"},
	} {
		if _, err := r.ovs.Call(ctx, call[0], call[1:]...); err != nil {
			t.Fatal(err)
		}
	}
	r.over.Install(
		learned(pipeline.FeatureLearnedRemote, 10, "02:00:00:00:00:0b", setFieldReg(2, 0x0a000002), reg3(ofTunnel)).Flow,
		learned(pipeline.FeatureLearnedRemote, 10, "02:00:00:00:00:0c", setFieldReg(2, 0x0a000003), reg3(ofTunnel)).Flow,
		learned(pipeline.FeatureLearnedRemote, 20, "02:00:00:00:00:0d", setFieldReg(2, 0x0a0000fe), reg3(ofTunnel)).Flow)
	k := r.a.remotes
	for range 2 {
		if err := k.pass(ctx); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the resolutions of the pass", func() bool {
			k.mu.Lock()
			defer k.mu.Unlock()
			for _, st := range k.state {
				if st.Busy {
					return false
				}
			}
			return true
		})
	}
	k.mu.Lock()
	fresh, refused := k.state[netip.MustParseAddr("10.0.0.2")], k.state[netip.MustParseAddr("10.0.0.3")]
	skipped := len(k.skipped)
	k.mu.Unlock()
	if fresh.LastSet.IsZero() || !fresh.RetryAt.IsZero() {
		t.Errorf("10.0.0.2 (cached) = %+v, want fresh", fresh)
	}
	if refused.RetryAt.IsZero() {
		t.Errorf("10.0.0.3 (behind a gateway) = %+v, want refused until later", refused)
	}
	if skipped != 2 {
		t.Errorf("%d addresses skipped, want 2 (10.0.0.3 and the placeholder 10.0.0.254)", skipped)
	}
	if n := metricValue(t, r, `vtepd_remote_vtep_resolutions_total{result="skipped"}`); n != "2" {
		t.Errorf("skipped resolutions counted %s, want 2 (each once)", n)
	}
	if got := r.ovs.Count("ovs/route/lookup"); got != 1 {
		t.Errorf("%d route lookups, want 1 (10.0.0.3, then backing off)", got)
	}
	if n := metricValue(t, r, "vtepd_remote_vteps"); n != "3" {
		t.Errorf("remote VTEPs gauge %s, want 3", n)
	}
}

// metricValue returns the value of one series of the agent's metrics.
func metricValue(t *testing.T, r *rig, series string) string {
	t.Helper()
	text := scrape(t, r)
	for _, l := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			return v
		}
	}
	t.Errorf("no series %s in the metrics", series)
	return ""
}

// waitFor polls cond, which watches goroutines the agent started, every
// millisecond for at most 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s: not within 5s", what)
		}
	}
}

// TestRunDirAndLock: the lock lives in the run directory of the
// openflow.listen socket, and a second holder is refused naming the bridge.
func TestRunDirAndLock(t *testing.T) {
	dir := t.TempDir()
	cfg := mustConfig(t, strings.Replace(rigConfig, "/run/openvswitch/vtepd.sock", filepath.Join(dir, "vtepd.sock"), 1))
	if got := LockPath(cfg); got != filepath.Join(dir, "br-int.vtepd.lock") {
		t.Errorf("LockPath = %s", got)
	}
	a := New(cfg, nil)
	l, err := a.lockRunDir(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(false)
	if _, err := a.lockRunDir(cfg); err == nil || !strings.Contains(err.Error(), `bridge "br-int" is run by another vtepd`) {
		t.Errorf("second lock: err = %v", err)
	}
	tcp := mustConfig(t, strings.Replace(rigConfig, "unix:/run/openvswitch/vtepd.sock", "tcp:127.0.0.1:6653", 1))
	if got := RunDir(tcp); got != "/run/openvswitch" {
		t.Errorf("RunDir with a tcp listener = %s, want the OVSDB socket's directory", got)
	}
}

// TestUnixctlPath: the configured control socket, else ovs-vswitchd.ctl or
// ovs-vswitchd.PID.ctl beside a unix OVSDB socket.
func TestUnixctlPath(t *testing.T) {
	withCtl, withPid, empty := t.TempDir(), t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(withCtl, "ovs-vswitchd.ctl"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(withPid, "ovs-vswitchd.pid"), []byte("42\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		extra   string
		want    string
		wantErr string
	}{
		{"ovs_unixctl: /x/ovs-vswitchd.ctl\n", "/x/ovs-vswitchd.ctl", ""},
		{fmt.Sprintf("ovsdb: unix:%s/db.sock\n", withCtl), withCtl + "/ovs-vswitchd.ctl", ""},
		{fmt.Sprintf("ovsdb: unix:%s/db.sock\n", withPid), withPid + "/ovs-vswitchd.42.ctl", ""},
		{fmt.Sprintf("ovsdb: unix:%s/db.sock\n", empty), "", "no ovs-vswitchd.ctl or ovs-vswitchd.pid"},
		{"ovsdb: tcp:127.0.0.1:6640\n", "", "not a unix socket"},
	}
	for _, tt := range tests {
		cfg := mustConfig(t, strings.Replace(rigConfig, "ovsdb: unix:/run/openvswitch/db.sock\n", tt.extra, 1))
		got, err := unixctlPath(cfg)
		if got != tt.want || (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%q: unixctlPath = %q, %v; want %q, %q", tt.extra, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestWaitUnderlay: a ready underlay returns at once, a missing uplink
// fails at once, and one ovs-vswitchd never finishes is waited for as
// long as the context lasts.
func TestWaitUnderlay(t *testing.T) {
	r := newRig(t, rigConfig)
	ctx := context.Background()
	if err := r.a.waitUnderlay(ctx); err != nil {
		t.Errorf("ready underlay: %v", err)
	}
	r.ports.SetPort("br-phy", agenttest.VMPort("eth0", 0, 0))
	tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := r.a.waitUnderlay(tctx); err == nil || !strings.Contains(err.Error(), "not set up by ovs-vswitchd yet") || !strings.Contains(err.Error(), "waited") {
		t.Errorf("uplink without ofport: err = %v, want a wait that timed out", err)
	}
	r.ports.DeletePort("br-phy", "eth0")
	if err := r.a.waitUnderlay(ctx); err == nil || !strings.Contains(err.Error(), "is not a port") {
		t.Errorf("missing uplink: err = %v", err)
	}
}

// TestOpenMembershipInReplicationMode: in replication mode vtepd holds no
// memberships, and finding no holder of an earlier multicast run is fine.
func TestOpenMembershipInReplicationMode(t *testing.T) {
	dir := t.TempDir()
	cfg := mustConfig(t, strings.Replace(replicationConfig, "/run/openvswitch/vtepd.sock", filepath.Join(dir, "vtepd.sock"), 1))
	a := New(cfg, nil)
	m, err := a.openMembership(context.Background(), cfg)
	if err != nil || m != nil {
		t.Errorf("openMembership = %v, %v; want none", m, err)
	}
	a.closeMembership()
}
