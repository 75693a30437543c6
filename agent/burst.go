package agent

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// Reads of table mac during a burst of learning. The MAC-flap watcher and
// the remote VTEP keeper read every learned flow, and ovs-vswitchd serves
// those reads on its main thread, which in the userspace datapath is also
// the thread that takes the datapath misses of non-PMD ports: the misses
// every new source MAC makes. During a burst of new MACs the reads took
// about a fifth of the learning rate (BenchmarkLearnRate, both vtepds
// stopped against running). So before each read a reader looks at table
// mac's flow count in the table statistics (one counter per table, which
// OVS keeps without walking the flows: a few kilobytes however large the
// table), and defers the read while the table grew by burstRate entries a
// second or more since its last look, for at most burstMaxDefer after its
// last read. A burst of learning is new MACs, which neither flap nor need
// their VTEP kept yet; a flooding VM stops growing the table at its VNI's
// max_macs (or a learning pause), and reads resume with the next look.
const (
	burstRate     = 500
	burstMaxDefer = 5 * time.Second
)

// burstGate decides, for one reader, whether to defer its read.
type burstGate struct {
	reader   string
	lastN    int // table mac's flow count at the last look; -1 before it
	lastLook time.Time
	lastRead time.Time
	inBurst  bool // growing at the last look (for the log)

	deferred prometheus.Counter
}

func newBurstGate(a *Agent, reader string) *burstGate {
	g := &burstGate{reader: reader, lastN: -1, deferred: prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: metricsNamespace, Name: "learned_reads_deferred_total",
		Help:        "Reads of the learned MACs deferred because table mac grew by 500 entries a second or more (a burst of learning), by reader.",
		ConstLabels: prometheus.Labels{"reader": reader},
	})}
	if a.metrics != nil {
		a.metrics.reg.MustRegister(g.deferred)
	}
	return g
}

// deferRead reports whether the read due at now waits, table mac holding
// n flows, and whether the table grows at burstRate or more; it records
// the look (and the read, when it does not wait).
func (g *burstGate) deferRead(now time.Time, n int) (deferred, growing bool) {
	if g.lastN >= 0 {
		if dt := now.Sub(g.lastLook).Seconds(); dt > 0 {
			growing = float64(n-g.lastN)/dt >= burstRate
		}
	}
	g.lastN, g.lastLook = n, now
	if growing && now.Sub(g.lastRead) < burstMaxDefer {
		return true, true
	}
	g.lastRead = now
	return false, growing
}

// tableCounter is a switch that reads its tables' counters (*ofapp.Switch).
type tableCounter interface {
	Tables(ctx context.Context) ([]ofapp.TableStats, error)
}

// shouldDefer looks at table mac's flow count and asks g whether the
// reader's read waits. A switch without table statistics, or a failed
// look, never defers: the read then says what is wrong.
func (a *Agent) shouldDefer(ctx context.Context, g *burstGate) bool {
	sw, _, err := a.switchFor(api.BridgeOverlay)
	if err != nil {
		return false
	}
	tc, ok := sw.(tableCounter)
	if !ok {
		return false
	}
	tables, err := tc.Tables(ctx)
	if err != nil {
		return false
	}
	n := -1
	for _, t := range tables {
		if t.Table == pipeline.TableMAC {
			n = int(t.Active)
		}
	}
	if n < 0 {
		return false
	}
	deferred, growing := g.deferRead(time.Now(), n)
	if deferred {
		g.deferred.Inc()
	}
	if growing != g.inBurst {
		g.inBurst = growing
		msg := "table mac grows fast: reads of the learned MACs deferred (at most 5s)"
		if !growing {
			msg = "table mac stopped growing fast: reads of the learned MACs resumed"
		}
		a.log.WithFields(logrus.Fields{"reader": g.reader, "entries": n}).Info(msg)
	}
	return deferred
}
