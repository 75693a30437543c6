package ofapp_test

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/sirupsen/logrus/hooks/test"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/ofapp"
	"golang.org/x/sys/unix"
)

// vmRSS returns the process's resident set size in bytes, after a GC that
// returns freed memory to the system.
func vmRSS(t testing.TB) int64 {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	n, err := labs.RSS(0)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// goMem returns the Go heap and stacks in use, after a GC.
func goMem() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc + ms.StackInuse)
}

func refusedTotal(st ofapp.ConnStats) uint64 {
	var n uint64
	for _, v := range st.Refused {
		n += v
	}
	return n
}

// TestIdleConnectionsBounded opens 5,000 idle connections (no HELLO) on the
// controller socket of a live bridge: the controller keeps at most
// MaxHandshakes of them, its RSS grows by little, and the bridge's session
// carries on. Run with -v for the figures.
func TestIdleConnectionsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 5,000 connections")
	}
	l, sw := newLab(t, ofapp.Config{})
	const n = 5000
	before := vmRSS(t)
	fds := make([]int, 0, n)
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	for range n {
		fds = append(fds, rawDial(t, l.sock))
	}
	waitFor(t, "every idle connection kept or refused", func() bool {
		st := l.ctl.ConnStats()
		return uint64(st.Handshaking)+refusedTotal(st) == n
	})
	after := vmRSS(t)
	st := l.ctl.ConnStats()
	t.Logf("%d idle connections: RSS %.1f MiB before, %.1f MiB after (+%.1f MiB); %d kept in handshake, refused %v",
		n, float64(before)/(1<<20), float64(after)/(1<<20), float64(after-before)/(1<<20), st.Handshaking, st.Refused)
	if st.Handshaking != ofapp.DefaultMaxHandshakes {
		t.Errorf("%d connections in handshake, want the cap %d", st.Handshaking, ofapp.DefaultMaxHandshakes)
	}
	if grow := after - before; grow > 8<<20 {
		t.Errorf("RSS grew by %d bytes for %d idle connections, want under 8 MiB", grow, n)
	}
	if err := sw.Barrier(ctxT(t)); err != nil {
		t.Fatalf("the bridge's session: %v", err)
	}
	if cur, ok := l.ctl.Switch(l.dpid); !ok || cur != sw {
		t.Fatal("the bridge's session was replaced or lost")
	}
}

// BenchmarkPendingConnection measures what a connection that has not sent
// its HELLO costs the controller: 2,000 such connections are opened per
// iteration (with caps high enough to keep them all) and the Go heap and
// stacks in use, and the RSS, measured with and without them.
//
//	go test -run '^$' -bench PendingConnection -benchtime 3x ./ofapp/
func BenchmarkPendingConnection(b *testing.B) {
	const n = 2000
	l, _ := test.NewNullLogger()
	ctl := ofapp.NewController(ofapp.Config{Logger: l, MaxConnections: 2 * n, MaxHandshakes: 2 * n, HandshakeTimeout: time.Hour})
	defer ctl.Close()
	path := serveUnix(b, ctl)
	var goBytes, rssBytes int64
	for range b.N {
		mem0, rss0 := goMem(), vmRSS(b)
		fds := make([]int, 0, n)
		for range n {
			fds = append(fds, rawDial(b, path))
		}
		waitFor(b, "every connection in handshake", func() bool { return ctl.ConnStats().Handshaking == n })
		goBytes += goMem() - mem0
		rssBytes += vmRSS(b) - rss0
		for _, fd := range fds {
			unix.Close(fd)
		}
		waitFor(b, "every connection closed", func() bool { return ctl.ConnStats().Connections == 0 })
	}
	b.ReportMetric(float64(goBytes)/float64(b.N*n), "go-B/conn")
	b.ReportMetric(float64(rssBytes)/float64(b.N*n), "rss-B/conn")
}
