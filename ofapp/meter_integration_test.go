package ofapp_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vtep/vtep/ofapp"
)

// TestMeterModNotBundlable shows why meter mods go around the bundle: OVS
// 3.1 refuses a METER_MOD inside an ONF bundle.
func TestMeterModNotBundlable(t *testing.T) {
	_, sw := newLab(t, ofapp.Config{})
	err := sw.BundleMeterMod(ctxT(t), ofapp.MeterEntry{ID: 1, PPS: 100, Burst: 10})
	var oe *ofapp.OFError
	if !errors.As(err, &oe) {
		t.Fatalf("meter mod in a bundle: %v, want the switch to refuse it", err)
	}
	t.Logf("OVS refuses a meter mod in a bundle: %v", oe)
}

// TestIntegrationMeters applies meters with the flows that use them, reads
// them back, modifies and deletes them.
func TestIntegrationMeters(t *testing.T) {
	l, sw := newLab(t, ofapp.Config{})
	ctx := ctxT(t)
	m := ofapp.MeterEntry{ID: 4097, PPS: 500, Burst: 50}
	f := ofapp.Flow{Table: 0, Priority: 10, Cookie: 0x77, Match: ofapp.Match{ofapp.MatchInPort(1)}, Meter: m.ID,
		Actions: []ofapp.Action{ofapp.Output{Port: 2}}}
	var b ofapp.Batch
	b.AddMeters(m)
	b.AddFlows(f)
	if err := sw.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if got := l.ofctl(t, "dump-meters"); !strings.Contains(got, "meter=4097 pktps burst stats bands=\ntype=drop rate=500 burst_size=50") {
		t.Errorf("ovs-ofctl dump-meters:\n%s", got)
	}
	ms, err := sw.Meters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || !ms[0].Same(m) || ms[0].FlowCount != 1 {
		t.Fatalf("Meters = %+v, want %v used by one flow", ms, m)
	}
	fs, err := sw.Flows(ctx, 0x77, ^uint64(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Meter != m.ID || fs[0].ActionsString() != f.ActionsString() {
		t.Fatalf("flows read back: %v", fs)
	}
	b.Reset()
	m.PPS = 800
	b.ModifyMeters(m)
	if err := sw.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if ms, err = sw.Meters(ctx); err != nil || len(ms) != 1 || !ms[0].Same(m) {
		t.Fatalf("after modify: %+v, %v", ms, err)
	}
	b.Reset()
	b.DeleteFlows(f)
	b.DeleteMeters(m.ID)
	if err := sw.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if ms, err = sw.Meters(ctx); err != nil || len(ms) != 0 {
		t.Fatalf("after delete: %+v, %v", ms, err)
	}
	b.Reset()
	b.ModifyMeters(m)
	var e *ofapp.Error
	if err := sw.Apply(ctx, &b); !errors.As(err, &e) || !strings.Contains(e.Item, "meter=4097") {
		t.Errorf("modify of a missing meter: %v, want an error naming it", err)
	}
}
