package test

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// cpuShare is the share of one CPU the processes used over d.
func cpuShare(b *testing.B, d time.Duration, pids ...int) []float64 {
	b.Helper()
	before := make([]time.Duration, len(pids))
	for i, p := range pids {
		before[i] = cpuTime(b, p)
	}
	start := time.Now()
	time.Sleep(d) // the measured interval itself, not a synchronisation
	wall := time.Since(start)
	out := make([]float64, len(pids))
	for i, p := range pids {
		out[i] = float64(cpuTime(b, p)-before[i]) / float64(wall)
	}
	return out
}

// idleWindow is how long each idle measurement lasts.
const idleWindow = 10 * time.Second

// BenchmarkIdleLoad measures what an idle vtepd costs ovs-vswitchd with a
// large learned MAC table (100,000 entries, as BenchmarkTables100k
// installs them; VTEP_IDLE_ENTRIES changes the count): the share of a CPU
// ovs-vswitchd uses over idleWindow with vtepd running and nothing else
// happening, against the same window with vtepd stopped (SIGSTOP), in the
// same run. vtepd's periodic reads of the table (MAC-flap detection and
// AGE, the remote VTEP keeper) are that difference; in the userspace
// datapath ovs-vswitchd's main thread, which serves them, also forwards
// the frames of every non-PMD port.
//
//	go test -run '^$' -bench IdleLoad -benchtime 1x -v ./test
func BenchmarkIdleLoad(b *testing.B) {
	entries := 100000
	if v := os.Getenv("VTEP_IDLE_ENTRIES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("VTEP_IDLE_ENTRIES=%q: want a positive count", v)
		}
		entries = n
	}
	g := upTablesRig(b, entries)
	vswitchd, err := g.r.OVS["hv1"].VswitchdPid()
	if err != nil {
		b.Fatal(err)
	}
	var with, without []float64
	for b.Loop() {
		with = cpuShare(b, idleWindow, vswitchd, g.pid)
		if err := syscall.Kill(g.pid, syscall.SIGSTOP); err != nil {
			b.Fatal(err)
		}
		without = cpuShare(b, idleWindow, vswitchd)
		if err := syscall.Kill(g.pid, syscall.SIGCONT); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d learned entries: ovs-vswitchd used %.1f%% of a CPU with vtepd idle, %.1f%% with vtepd stopped; vtepd %.1f%%",
		entries, 100*with[0], 100*without[0], 100*with[1])
	b.ReportMetric(100*with[0], "vswitchd-cpu%-vtepd")
	b.ReportMetric(100*without[0], "vswitchd-cpu%-alone")
	b.ReportMetric(100*with[1], "vtepd-cpu%")
	b.ReportMetric((with[0]-without[0])*100, "vswitchd-cpu%-added")
}
