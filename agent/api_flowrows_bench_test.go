package agent

import (
	"fmt"
	"testing"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// BenchmarkFlowRowsEncode turns 100,000 learned flows, as read from the
// switch, into the lines of GET /v1/flows in the row format (the work
// vtepd does per flow of vtepctl dump-flows), and reports the time per
// flow.
//
//	go test -run '^$' -bench FlowRowsEncode -benchmem ./agent
func BenchmarkFlowRowsEncode(b *testing.B) {
	fs := make([]ofapp.FlowStats, 100000)
	for i := range fs {
		mac := fmt.Sprintf("02:10:00:%02x:%02x:%02x", i>>16&0xff, i>>8&0xff, i&0xff)
		vni := uint32(10 + 10*(i%2))
		if i%4 < 2 {
			fs[i] = learned(pipeline.FeatureLearnedRemote, vni, mac, setFieldReg(2, 0x0a000002), reg3(ofTunnel))
		} else {
			fs[i] = learned(pipeline.FeatureLearnedLocal, vni, mac, setFieldReg(2, 0), reg3(ofVM1))
		}
	}
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
