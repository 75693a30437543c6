package agent

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

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
