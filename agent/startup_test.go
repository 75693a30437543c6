package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/agent/agenttest"
	"github.com/vtep/vtep/ofapp"
)

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

// TestListenOpenFlow: the listener is opened (its directory made), and a
// unix socket outside OVS's run directory, which ovs-vswitchd refuses, is
// warned about.
func TestListenOpenFlow(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	r := newRig(t, strings.Replace(rigConfig, "unix:/run/openvswitch/vtepd.sock", "unix:"+filepath.Join(dir, "vtepd.sock"), 1))
	ln, err := r.a.listenOpenFlow(r.a.config(), ofapp.ListenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if !warned(r, "outside OVS's run directory") {
		t.Errorf("no warning about a socket outside /run/openvswitch")
	}
	if _, err := r.a.listenOpenFlow(r.a.config(), ofapp.ListenOptions{}); err == nil || !strings.Contains(err.Error(), "openflow.listen") {
		t.Errorf("second listen: err = %v, want it refused naming openflow.listen", err)
	}
}
