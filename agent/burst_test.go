package agent

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/agent/agenttest"
	"github.com/vtep/vtep/pipeline"
)

// TestBurstGateDefers: a read waits while table mac grows by burstRate a
// second or more, at most burstMaxDefer after the last read; it runs when
// the table grows slower, shrinks or stays, and at the first look.
func TestBurstGateDefers(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	g := &burstGate{lastN: -1}
	steps := []struct {
		ms, n         int
		defers, grows bool
	}{
		{0, 100, false, false},     // first look: nothing to compare
		{500, 400, true, true},     // 600/s
		{1000, 600, false, false},  // 400/s: slower than a burst
		{1500, 5000, true, true},   // 8,800/s
		{2000, 9000, true, true},   // still growing
		{5500, 12000, true, true},  // 1,000/s, 4.5 s after the last read at 1 s
		{6000, 13000, false, true}, // 5 s: the read is due however fast it grows
		{6500, 14000, true, true},
		{7500, 9000, false, false}, // shrank (aged out, flushed)
		{8000, 9000, false, false}, // steady: flaps can only show now
	}
	for _, s := range steps {
		d, grows := g.deferRead(at(s.ms), s.n)
		if d != s.defers || grows != s.grows {
			t.Errorf("at %d ms, %d flows: defers %v, grows %v; want %v, %v", s.ms, s.n, d, grows, s.defers, s.grows)
		}
	}
}

// TestBurstGateOnSwitch: the flap watcher's gate looks at the fake
// switch's table statistics: a thousand learned flows since its last look
// defer its read, counted in vtepd_learned_reads_deferred_total; the next
// look with no growth lets it read; a switch whose statistics fail never
// defers.
func TestBurstGateOnSwitch(t *testing.T) {
	r := newRig(t, rigConfig)
	r.mustConverge(t)
	ctx := context.Background()
	g := r.a.flaps.gate
	if r.a.shouldDefer(ctx, g) {
		t.Fatal("first look deferred the read")
	}
	for i := range 1000 {
		mac := net.HardwareAddr{2, 0, 0, 0, byte(i >> 8), byte(i)}
		f := pipeline.LearnedEntry(10, mac)
		f.Cookie = uint64(pipeline.LearnedValue)
		r.over.Install(f)
	}
	if !r.a.shouldDefer(ctx, g) {
		t.Error("a thousand new learned flows at once did not defer the read")
	}
	if got := scrape(t, r); !strings.Contains(got, `vtepd_learned_reads_deferred_total{reader="mac-flaps"} 1`) {
		t.Errorf("metrics lack one deferred read of mac-flaps:\n%s", grepLines(got, "deferred"))
	}
	if r.a.shouldDefer(ctx, g) {
		t.Error("no growth since the last look, and still deferred")
	}
	r.over.Fail(agenttest.OpFlows, errBoom)
	g.lastN, g.lastRead = 0, time.Now()
	if r.a.shouldDefer(ctx, g) {
		t.Error("unreadable table statistics deferred the read")
	}
}
