package agent

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vtep/vtep/agent/agenttest"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// TestReloadOnARunningAgent: refused reloads change nothing on the
// switches and keep the configuration; an applied one programs only the
// difference; one whose programming fails is kept and retried.
func TestReloadOnARunningAgent(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	withVNI30 := rigConfig + "  - {vni: 30, vlan: 3, group: 239.1.1.3}\n"
	steps := []struct {
		name        string
		path        string
		breakIt     func(r *rig)
		wantErr     string
		wantApplied uint64 // stats after the step
		wantRefused uint64
		wantFailed  uint64
		wantVNI30   bool // in the configuration and on the switch
		wantBatches int  // overlay batches so far
	}{
		{"restart-only", write("restart.yaml", strings.Replace(rigConfig, "bridge: br-int", "bridge: br-ovl", 1)), nil,
			"needs a restart", 0, 1, 0, false, 1},
		{"invalid", write("invalid.yaml", strings.Replace(rigConfig, "vni: 20", "vni: 0", 1)), nil,
			"networks[1].vni", 0, 2, 0, false, 1},
		{"unchanged", write("same.yaml", rigConfig), nil, "", 1, 2, 0, false, 1},
		{"a network added", write("add.yaml", withVNI30), nil, "", 2, 2, 0, true, 2},
		{"a network removed, not programmed", write("remove.yaml", rigConfig),
			func(r *rig) { r.over.Fail(agenttest.OpApply, errBoom) }, "accepted but not applied", 2, 2, 1, false, 2},
	}
	r := newRig(t, rigConfig)
	r.mustConverge(t)
	ctx := context.Background()
	for _, s := range steps {
		if s.breakIt != nil {
			s.breakIt(r)
		}
		err := r.a.ReloadFile(ctx, s.path)
		if (err == nil) != (s.wantErr == "") || err != nil && !strings.Contains(err.Error(), s.wantErr) {
			t.Fatalf("%s: err = %v, want %q", s.name, err, s.wantErr)
		}
		st, _, res := r.a.Snapshot()
		if st.ConfigReloads != s.wantApplied || st.ReloadRejected != s.wantRefused || st.ReloadFailed != s.wantFailed {
			t.Errorf("%s: applied %d, refused %d, failed %d; want %d, %d, %d", s.name,
				st.ConfigReloads, st.ReloadRejected, st.ReloadFailed, s.wantApplied, s.wantRefused, s.wantFailed)
		}
		if (s.wantErr == "") != (st.LastReloadError == "") {
			t.Errorf("%s: last reload error %q", s.name, st.LastReloadError)
		}
		_, inConfig := r.a.config().Network(30)
		if inConfig != s.wantVNI30 {
			t.Errorf("%s: VNI 30 configured = %v, want %v", s.name, inConfig, s.wantVNI30)
		}
		if got := len(r.over.Batches()); got != s.wantBatches {
			t.Errorf("%s: %d overlay batches, want %d", s.name, got, s.wantBatches)
		}
		if s.wantVNI30 && !hasVNI(res.Overlay, 30) {
			t.Errorf("%s: the last result has no flow of VNI 30", s.name)
		}
	}
	// The failed reload is retried with the configuration it brought.
	if reason := r.waitKick(t); reason != "retry after error" {
		t.Errorf("kick %q, want a retry", reason)
	}
	r.over.Fail(agenttest.OpApply, nil)
	r.mustConverge(t)
	fs, _ := r.over.Flows(ctx, uint64(pipeline.ProgrammedValue), uint64(pipeline.ProgrammedMask))
	for _, f := range fs {
		if pipeline.Cookie(f.Cookie).VNI() == 30 {
			t.Errorf("VNI 30's flow %s left after the retry", f.Flow)
		}
	}
	metrics := scrape(t, r)
	for _, want := range []string{
		`vtepd_config_reloads_total{result="applied"} 2`,
		`vtepd_config_reloads_total{result="failed"} 1`,
		`vtepd_config_reload_rejections_total{reason="invalid"} 1`,
		`vtepd_config_reload_rejections_total{reason="restart-only"} 1`,
		`vtepd_bundle_commits_total{bridge="br-int",result="error"} 1`,
		`vtepd_switch_connected{bridge="br-phy",role="underlay"} 1`,
		`vtepd_healthy 1`,
		`vtepd_flow_stats_up 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func hasVNI(fs []ofapp.Flow, vni uint32) bool {
	for _, f := range fs {
		if pipeline.Cookie(f.Cookie).VNI() == vni {
			return true
		}
	}
	return false
}
