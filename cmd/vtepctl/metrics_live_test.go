package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
)

// metricValue finds one sample ("name{labels} value") in a scrape.
func metricValue(t *testing.T, scrape, series string) float64 {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(scrape)
	if m == nil {
		t.Fatalf("scrape has no %s", series)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("%s: %v", series, err)
	}
	return v
}

// TestLiveMetrics turns metrics on for hv1's vtepd (metrics.listen in its
// namespace), restarts it with table egress emptied by hand so its first
// reconcile commits a bundle, pings, and scrapes /metrics with curl inside
// the namespace.
func TestLiveMetrics(t *testing.T) {
	r := liveLab(t)
	cfgPath := filepath.Join(r.NodeDir("hv1"), "vtepd.yaml")
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, append(b, "metrics:\n  listen: 127.0.0.1:9310\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := r.OVS["hv1"].Ofctl(testCtx(t, 10*time.Second), "del-flows", "br-int", "table=40"); err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t, time.Minute)
	if err := r.RestartVtepd(ctx, "hv1", vtepdBin); err != nil {
		t.Fatal(err)
	}
	if err := r.WaitProgrammed(ctx, "hv1"); err != nil {
		t.Fatal(err)
	}
	pingOK(t, r, "a", "192.168.10.2")
	waitMACs(t, apiOf(r, "hv1"), func(ms []api.MACEntry) bool { return len(ms) == 2 })

	var scrape string
	err = labs.WaitFor(ctx, 100*time.Millisecond, func() (bool, error) {
		out, err := r.Exec(ctx, "hv1", "curl", "-sf", "http://127.0.0.1:9310/metrics")
		scrape = out
		// the restarted vtepd reconciles once its bridges are connected
		return err == nil && strings.Contains(scrape, `vtepd_bundle_commit_seconds_count{bridge="br-int"}`), nil
	})
	if err != nil {
		t.Fatalf("scrape: %v\n%s", err, scrape)
	}
	for _, c := range []struct {
		series string
		check  func(float64) bool
		want   string
	}{
		{`vtepd_learned_macs{vni="10"}`, func(v float64) bool { return v == 2 }, "2 (a local, b remote)"},
		{`vtepd_switch_connected{bridge="br-int",role="overlay"}`, func(v float64) bool { return v == 1 }, "1"},
		{`vtepd_switch_connected{bridge="br-phy",role="underlay"}`, func(v float64) bool { return v == 1 }, "1"},
		{`vtepd_flooded_packets_total{vni="10"}`, func(v float64) bool { return v >= 1 }, ">= 1 (the ARP request)"},
		{`vtepd_dropped_packets_total{reason="unknown-vni"}`, func(v float64) bool { return v == 0 }, "0"},
		{`vtepd_bundle_commit_seconds_count{bridge="br-int"}`, func(v float64) bool { return v >= 1 }, ">= 1"},
		{`vtepd_bundle_commits_total{bridge="br-int",result="ok"}`, func(v float64) bool { return v >= 1 }, ">= 1"},
		{`vtepd_flow_mods_total{bridge="br-int"}`, func(v float64) bool { return v >= 4 }, ">= 4 (table egress re-added)"},
		{`vtepd_flows{kind="learned",table="mac"}`, func(v float64) bool { return v == 2 }, "2"},
		{`vtepd_packet_ins_total`, func(v float64) bool { return v == 0 }, "0"},
		{`vtepd_flow_stats_up`, func(v float64) bool { return v == 1 }, "1"},
		{`vtepd_healthy`, func(v float64) bool { return v == 1 }, "1"},
		{`vtepd_health_check_ok{check="tunnel_receive"}`, func(v float64) bool { return v == 1 }, "1"},
		{`vtepd_health_check_ok{check="group_routes"}`, func(v float64) bool { return v == 1 }, "1"},
		{`vtepd_tunnel_receive_repairs_total`, func(v float64) bool { return v == 0 }, "0"},
		{`vtepd_config_reload_rejections_total{reason="invalid"}`, func(v float64) bool { return v == 0 }, "0"},
	} {
		if v := metricValue(t, scrape, c.series); !c.check(v) {
			t.Errorf("%s = %v, want %s", c.series, v, c.want)
		}
	}
	// the error counter is the one status reports (the first reconciles
	// may fail while the bridges connect); scraped first, it cannot be more
	st, err := api.NewClient(apiOf(r, "hv1")).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v := metricValue(t, scrape, "vtepd_reconcile_errors_total"); v > float64(st.Stats.Errors) {
		t.Errorf("vtepd_reconcile_errors_total = %v, status says %d", v, st.Stats.Errors)
	}
	// the metrics listener serves the health endpoints too
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": `"healthy": true`} {
		out, err := r.Exec(ctx, "hv1", "curl", "-sf", "http://127.0.0.1:9310"+path)
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("%s on the metrics listener: %v %q, want %q", path, err, out, want)
		}
	}
}
