package agent

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// stormConfig is rigConfig with a default BUM rate of 200 and 1000 for VNI 20.
var stormConfig = strings.NewReplacer("networks:", "bum_pps: 200\nnetworks:",
	"group: 239.1.1.2}", "group: 239.1.1.2, bum_pps: 1000}").Replace(rigConfig)

func meterFloods(t *testing.T, r *rig) map[uint32]uint32 {
	t.Helper()
	fs, err := r.over.TableFlows(context.Background(), pipeline.TableFlood, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint32]uint32{}
	for _, f := range fs {
		if f.Meter != 0 {
			out[pipeline.Cookie(f.Cookie).VNI()] = f.Meter
		}
	}
	return out
}

// TestStormControlReconcile: meters are added with the flood flows that
// use them, modified in place when the rate changes, deleted with the
// rate; the switch's meters are read back and a converged agent sends
// nothing; drops show in metrics and status.
func TestStormControlReconcile(t *testing.T) {
	r := newRig(t, stormConfig)
	r.mustConverge(t)
	ctx := context.Background()
	ms, err := r.over.Meters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []ofapp.MeterEntry{{ID: 10, PPS: 200, Burst: 20}, {ID: 20, PPS: 1000, Burst: 100}}
	if len(ms) != 2 || ms[0].MeterEntry != want[0] || ms[1].MeterEntry != want[1] {
		t.Fatalf("meters %+v, want %v", ms, want)
	}
	if got := meterFloods(t, r); len(got) != 2 || got[10] != 10 || got[20] != 20 {
		t.Errorf("metered flood flows by VNI: %v", got)
	}
	if n, err := r.a.Reconcile(ctx); n != 0 || err != nil {
		t.Errorf("second reconcile: %d changes, %v", n, err)
	}

	checkMeterDiff(t, r)
	r.over.SetMeterDrops(10, 42)
	if m := scrape(t, r); !strings.Contains(m, `vtepd_bum_dropped_packets_total{vni="10"} 42`) ||
		!strings.Contains(m, `vtepd_bum_dropped_packets_total{vni="20"} 0`) {
		t.Errorf("metrics lack the BUM drops:\n%s", grepLines(m, "bum"))
	}
	st := r.a.Status()
	if n := st.Networks[0]; n.VNI != 10 || n.BUMPPS != 200 || n.BUMDropped == nil || *n.BUMDropped != 42 {
		t.Errorf("status of VNI 10: %+v", n)
	}

	dir := t.TempDir()
	reload := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := r.a.ReloadFile(ctx, p); err != nil {
			t.Fatalf("reload %s: %v", name, err)
		}
	}
	batches := len(r.over.Batches())
	reload("rate.yaml", strings.Replace(stormConfig, "bum_pps: 200", "bum_pps: 300", 1))
	last := r.over.Batches()[len(r.over.Batches())-1]
	var ops []string
	for _, c := range last.Changes() {
		ops = append(ops, c.Op)
	}
	if len(r.over.Batches()) != batches+1 || ops[0] != "modify meter" {
		t.Errorf("rate change: changes %v", ops)
	}
	if ms, _ = r.over.Meters(ctx); ms[0].PPS != 300 || ms[0].Burst != 30 {
		t.Errorf("after the rate change: %+v", ms)
	}
	reload("off.yaml", rigConfig)
	if ms, _ = r.over.Meters(ctx); len(ms) != 0 {
		t.Errorf("meters after storm control is off: %+v", ms)
	}
	if got := meterFloods(t, r); len(got) != 0 {
		t.Errorf("metered flood flows after storm control is off: %v", got)
	}
	if m := scrape(t, r); strings.Contains(m, "vtepd_bum_dropped_packets_total{") {
		t.Errorf("BUM drops reported without meters:\n%s", grepLines(m, "bum"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// checkMeterDiff: a meter vtep does not want shows as a delete in the
// flow diff (vtepctl dump-flows --diff).
func checkMeterDiff(t *testing.T, r *rig) {
	t.Helper()
	ctx := context.Background()
	var b ofapp.Batch
	b.AddMeters(ofapp.MeterEntry{ID: 99, PPS: 1, Burst: 10})
	if err := r.over.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	ds, err := r.a.FlowDiffs(ctx, "overlay")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || len(ds[0].Changes) != 1 || ds[0].Changes[0].Op != "delete meter" || ds[0].Changes[0].Text != "meter=99" {
		t.Errorf("flow diff with a stray meter: %+v", ds)
	}
	if _, err := r.a.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
}
