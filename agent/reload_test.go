package agent

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vtep/vtep/config"
)

// TestReloadMatrix: every kind of reload is counted under its own result,
// and a refused one changes nothing. The agent is not started, so an
// accepted reload cannot be applied and must be reported as failed, never
// as applied.
func TestReloadMatrix(t *testing.T) {
	a := New(mustConfig(t, baseConfig), nil)
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	unreadable := filepath.Join(dir, "missing.yaml")
	invalid := write("invalid.yaml", strings.Replace(baseConfig, "vni: 10", "vni: 0", 1))
	restart := write("restart.yaml", strings.Replace(baseConfig, "bridge: br-int", "bridge: br-ovl", 1))
	good := write("good.yaml", strings.Replace(baseConfig, "vni: 10", "vni: 11", 1))
	orig := a.config()

	steps := []struct {
		path       string
		wantErr    string
		wantReason string
	}{
		{unreadable, "no such file", RejectUnreadable},
		{invalid, "networks[0].vni", RejectInvalid},
		{restart, `bridge: changing "br-int" to "br-ovl" needs a restart of vtepd`, RejectRestartOnly},
	}
	for i, s := range steps {
		err := a.ReloadFile(ctx, s.path)
		if err == nil || !strings.Contains(err.Error(), s.wantErr) {
			t.Errorf("reload %s: err = %v, want it to say %q", s.path, err, s.wantErr)
		}
		st, _, _ := a.Snapshot()
		if st.ReloadRejected != uint64(i+1) || st.ReloadRejections[s.wantReason] != 1 {
			t.Errorf("after %s: rejected %d, by reason %v; want %d and %s=1", s.path, st.ReloadRejected, st.ReloadRejections, i+1, s.wantReason)
		}
		if st.ConfigReloads != 0 || st.ReloadFailed != 0 {
			t.Errorf("after %s: applied %d, failed %d; want 0, 0", s.path, st.ConfigReloads, st.ReloadFailed)
		}
		if a.config() != orig {
			t.Errorf("a refused reload (%s) replaced the configuration", s.path)
		}
	}
	err := a.ReloadFile(ctx, good)
	if !errors.Is(err, errNotStarted) {
		t.Errorf("reload before start: err = %v, want not started", err)
	}
	st, _, _ := a.Snapshot()
	if st.ConfigReloads != 0 || st.ReloadFailed != 1 || st.LastReloadError == "" {
		t.Errorf("unapplied reload: applied %d, failed %d, last error %q; want 0, 1 and an error", st.ConfigReloads, st.ReloadFailed, st.LastReloadError)
	}
	if n, _ := a.config().Network(11); n.VNI != 11 {
		t.Errorf("an accepted reload did not become the configuration vtepd retries with")
	}
	if a.Health().Healthy {
		t.Errorf("health is ok although nothing is programmed")
	}
}

// TestRestartOnlyKeysRefused covers each key config.RestartOnlyKeys names.
func TestRestartOnlyKeysRefused(t *testing.T) {
	if len(config.RestartOnlyKeys()) < 10 {
		t.Fatalf("restart-only keys: %v", config.RestartOnlyKeys())
	}
	a := New(mustConfig(t, baseConfig), nil)
	next := mustConfig(t, strings.Replace(baseConfig, "uplink: eth0", "uplink: eth1", 1))
	if next.Underlay.Uplink != "eth1" {
		t.Fatalf("test config has no uplink eth0 to change: %+v", next.Underlay)
	}
	err := a.Reload(context.Background(), next)
	if !errors.Is(err, config.ErrRestartOnly) || !strings.Contains(err.Error(), "underlay.uplink") {
		t.Errorf("uplink change: err = %v, want it refused as restart-only", err)
	}
}
