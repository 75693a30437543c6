package agent

import (
	"fmt"
	"testing"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/macflap"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
	"github.com/vtep/vtep/trace"
)

// BenchmarkMACsDecode decodes 100,000 learned flows, as read from the
// switch, into the entries of vtepctl macs with their ages (the work
// vtepd does per flow of GET /v1/macs), and reports the time per flow.
//
//	go test -run '^$' -bench MACsDecode -benchmem ./agent
func BenchmarkMACsDecode(b *testing.B) {
	fs := benchLearnedFlows(100000)
	clock := newMoveClock()
	seen := map[macflap.Key]macflap.Place{}
	for i := range fs {
		if e, ok := decodeLearned(fs[i], trace.Ports{}); ok {
			seen[macflap.Key{VNI: e.VNI, MAC: e.MAC}] = placeOf(e)
		}
	}
	clock.observe(time.Now(), seen)
	var pi trace.Ports
	start := time.Now()
	for b.Loop() {
		var d learnedDecoder
		out := make([]api.MACEntry, 0, clock.size()+clock.size()/8)
		now := time.Now()
		for i := range fs {
			e, ok := d.decode(&fs[i], pi)
			if !ok {
				b.Fatal("not decoded")
			}
			e.Age = clock.age(macflap.Key{VNI: e.VNI, MAC: e.MAC}, d.place(&e), fs[i].Duration, now).Seconds()
			out = append(out, e)
		}
		api.SortMACs(out)
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N)/float64(len(fs)), "ns/flow")
}

// benchLearnedFlows is n learned flows of table mac as read from the
// switch: half behind remote VTEP 10.0.0.2, half on a local port, over
// VNIs 10 and 20.
func benchLearnedFlows(n int) []ofapp.FlowStats {
	fs := make([]ofapp.FlowStats, n)
	for i := range fs {
		mac := fmt.Sprintf("02:10:00:%02x:%02x:%02x", i>>16&0xff, i>>8&0xff, i&0xff)
		vni := uint32(10 + 10*(i%2))
		if i%4 < 2 {
			fs[i] = learned(pipeline.FeatureLearnedRemote, vni, mac, setFieldReg(2, 0x0a000002), reg3(ofTunnel))
		} else {
			fs[i] = learned(pipeline.FeatureLearnedLocal, vni, mac, setFieldReg(2, 0), reg3(ofVM1))
		}
	}
	return fs
}
