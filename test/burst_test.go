package test

import (
	"context"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// deferredReads matches the flap watcher's count of deferred reads.
var deferredReads = regexp.MustCompile(`(?m)^vtepd_learned_reads_deferred_total\{reader="mac-flaps"\} (\d+)$`)

// TestMACFlapAfterLearningBurst: a burst of 3,000 new source MACs from a
// on hv1 (1,000 a second) makes hv1's MAC-flap watcher defer its reads of table mac
// (vtepd_learned_reads_deferred_total counts them; the reads would compete
// with the learning for ovs-vswitchd's main thread), every MAC of it is
// learned, and once the table stops growing the watcher reads again: a MAC
// that then moves from p to q is seen moving.
func TestMACFlapAfterLearningBurst(t *testing.T) {
	r := flapLab(t)
	withMetrics(t, r, "hv1")
	mustExec(t, r, "q", "ip", "link", "set", "eth0", "address", flapMAC)
	deferred := func() int {
		out, _ := r.Exec(context.Background(), "hv1", "curl", "-sf", "http://127.0.0.1:9310/metrics")
		m := deferredReads.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("hv1's /metrics has no deferred reads of mac-flaps:\n%s", out)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if n := deferred(); n != 0 {
		t.Fatalf("%d reads deferred before any burst, want 0", n)
	}
	const burst = 3000
	count := learnedCount(t, r, "hv1", pipeline.FeatureLearnedLocal)
	base, err := count()
	if err != nil {
		t.Fatal(err)
	}
	learned := func() (int, error) { n, err := count(); return n - base, err }
	// 1,000 a second: every learner on these machines keeps up with that
	// (BenchmarkLearnRate), and it is twice a burst
	sendPaced(t, r, "a", "eth0", learnFrames(t, burst), 1000)
	err = labs.WaitFor(ctxT(t, 20*time.Second), 100*time.Millisecond, func() (bool, error) {
		n, err := learned()
		return deferred() > 0 && n >= burst, err
	})
	if err != nil {
		n, _ := learned()
		t.Fatalf("after %d new MACs: %d reads deferred, %d MACs learned (%v); want some deferred and all learned", burst, deferred(), n, err)
	}
	t.Logf("%d reads of table mac deferred during the burst", deferred())
	speakAs(t, r, "p")
	speakAs(t, r, "q")
	err = labs.WaitFor(ctxT(t, 15*time.Second), 100*time.Millisecond, func() (bool, error) {
		return status(t, r, "hv1").MACMoves >= 1, nil
	})
	if err != nil {
		t.Fatalf("%s moved from p to q after the burst, and vtepd did not see it: %+v", flapMAC, status(t, r, "hv1"))
	}
}
