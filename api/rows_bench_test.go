package api

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"
)

// benchFlows is a flow dump of n learned entries as vtepd answers it.
func benchFlows(n int) []FlowEntry {
	fs := make([]FlowEntry, n)
	for i := range fs {
		fs[i] = FlowEntry{Bridge: "br-int", Role: BridgeOverlay, Table: 30, TableName: "mac", Priority: 100,
			Cookie: fmt.Sprintf("0x%x", 0x2100000a+i%2*10), Vtep: true, Feature: "learned-remote", VNI: uint32(10 + 10*(i%2)), Learned: true,
			Match:       fmt.Sprintf("reg0=0x%x/0xffffff,dl_dst=02:10:00:%02x:%02x:%02x", 10+10*(i%2), i>>16&0xff, i>>8&0xff, i&0xff),
			Actions:     "load:0xa000002->NXM_NX_REG2[],load:0x2->NXM_NX_REG3[0..15]",
			HardTimeout: 3600, Duration: float64(i%4000) + 0.125, Packets: uint64(i % 7), Bytes: uint64(i%7) * 98}
	}
	return fs
}

// BenchmarkFlowRows writes and reads 100,000 flows in the row format, and
// reports the time of each.
//
//	go test -run '^$' -bench FlowRows -benchtime 5x ./api
func BenchmarkFlowRows(b *testing.B) {
	fs := benchFlows(100000)
	var buf bytes.Buffer
	var tw, tr time.Duration
	for b.Loop() {
		buf.Reset()
		start := time.Now()
		if err := WriteFlowRows(&buf, fs); err != nil {
			b.Fatal(err)
		}
		tw += time.Since(start)
		start = time.Now()
		if err := ReadFlowRows(&buf, func(*FlowEntry) error { return nil }); err != nil {
			b.Fatal(err)
		}
		tr += time.Since(start)
	}
	b.ReportMetric(tw.Seconds()/float64(b.N), "write-s")
	b.ReportMetric(tr.Seconds()/float64(b.N), "read-s")
	b.ReportMetric(float64(buf.Cap())/1e6, "MB")
	_ = io.Discard
}
