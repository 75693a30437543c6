package ofapp_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/ofapp"
)

// BenchmarkInstallVsOvsOfctl installs n flows in one bundle through ofapp
// and, in the same run and on the same switch, the same flows as text with
// `ovs-ofctl --bundle add-flows`. It reports ofapp's time per batch (ns/op),
// the ratio ofapp/ovs-ofctl (below 1: ofapp is faster) and the bytes ofapp
// allocates per flow.
//
//	go test -run '^$' -bench InstallVsOvsOfctl -benchtime 3x ./ofapp
func BenchmarkInstallVsOvsOfctl(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("flows=%d", n), func(b *testing.B) {
			l, sw := newLab(b, ofapp.Config{})
			flows := manyFlows(n, 0x900)
			var text strings.Builder
			for _, f := range flows {
				text.WriteString(f.String() + "\n")
			}
			file := filepath.Join(b.TempDir(), "flows.txt")
			if err := os.WriteFile(file, []byte(text.String()), 0o644); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var ofappTime, ofctlTime time.Duration
			var allocated uint64
			var ms runtime.MemStats
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				l.ofctl(b, "del-flows")
				runtime.ReadMemStats(&ms)
				before := ms.TotalAlloc
				b.StartTimer()

				start := time.Now()
				if err := sw.AddFlows(ctx, flows...); err != nil {
					b.Fatal(err)
				}
				ofappTime += time.Since(start)

				b.StopTimer()
				runtime.ReadMemStats(&ms)
				allocated += ms.TotalAlloc - before
				if !strings.Contains(l.ofctl(b, "dump-aggregate"), fmt.Sprintf("flow_count=%d", n)) {
					b.Fatalf("ofapp installed a different number of flows than %d", n)
				}
				l.ofctl(b, "del-flows")
				start = time.Now()
				l.ofctl(b, "add-flows", "--bundle", file)
				ofctlTime += time.Since(start)
				if !strings.Contains(l.ofctl(b, "dump-aggregate"), fmt.Sprintf("flow_count=%d", n)) {
					b.Fatalf("ovs-ofctl installed a different number of flows than %d", n)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(ofappTime)/float64(ofctlTime), "ofapp/ofctl")
			b.ReportMetric(float64(allocated)/float64(b.N*n), "B/flow")
			b.ReportMetric(float64(ofctlTime.Nanoseconds())/float64(b.N), "ofctl-ns/op")
		})
	}
}
