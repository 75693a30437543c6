package agent

import (
	"testing"
	"time"

	"github.com/vtep/vtep/api"
)

// BenchmarkFlowRowsEncode turns 100,000 learned flows, as read from the
// switch, into the lines of GET /v1/flows in the row format (the work
// vtepd does per flow of vtepctl dump-flows), and reports the time per
// flow.
//
//	go test -run '^$' -bench FlowRowsEncode -benchmem ./agent
func BenchmarkFlowRowsEncode(b *testing.B) {
	fs := benchLearnedFlows(100000)
	buf := make([]byte, 0, chunkSize+16<<10)
	s := roleSwitch{role: api.BridgeOverlay, name: "br-int"}
	start := time.Now()
	for b.Loop() {
		var w flowRowWriter
		for i := range fs {
			buf, _ = w.append(buf, s, &fs[i], 0)
			if len(buf) >= chunkSize {
				buf = buf[:0]
			}
		}
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N)/float64(len(fs)), "ns/flow")
}
