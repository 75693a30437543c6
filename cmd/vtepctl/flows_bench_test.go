package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/vtep/vtep/api"
)

// benchFlowEntries is a dump of n learned flows of table mac in the
// switch's order (shuffled), as vtepd writes them in the row format.
func benchFlowEntries(n int) []api.FlowEntry {
	fs := make([]api.FlowEntry, n)
	for i := range fs {
		vni := 10 + 10*(i%2)
		fs[i] = api.FlowEntry{Bridge: "br-int", Role: api.BridgeOverlay, Table: 30, TableName: "mac", Priority: 100,
			Cookie: fmt.Sprintf("0x%x", 0x2100000a+i%2*10), Vtep: true, Feature: "learned-remote", VNI: uint32(vni), Learned: true,
			Match:       fmt.Sprintf("reg0=0x%x/0xffffff,dl_dst=02:10:00:%02x:%02x:%02x", vni, i>>16&0xff, i>>8&0xff, i&0xff),
			Actions:     "load:0xa000002->NXM_NX_REG2[],load:0x2->NXM_NX_REG3[0..15]",
			HardTimeout: 3600, Duration: float64(i%4000) + 0.125, Packets: uint64(i % 7), Bytes: uint64(i%7) * 98}
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(n, func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
	return fs
}

// BenchmarkFlowsClient measures vtepctl's share of `vtepctl dump-flows
// --table mac` at 100,000 flows: reading the row format, sorting and
// printing (printFlowsRead, as dump-flows does), against decoding the sorted JSON answer and printing, in the
// same run; both print the same bytes.
//
//	go test -run '^$' -bench FlowsClient -benchtime 5x ./cmd/vtepctl
func BenchmarkFlowsClient(b *testing.B) {
	fs := benchFlowEntries(100000)
	var rows, js bytes.Buffer
	if err := api.WriteFlowRows(&rows, fs); err != nil {
		b.Fatal(err)
	}
	sorted := append([]api.FlowEntry(nil), fs...)
	api.SortFlowEntries(sorted)
	if err := json.NewEncoder(&js).Encode(sorted); err != nil {
		b.Fatal(err)
	}
	benchRowsVsJSON(b, js.Bytes(), func(w io.Writer) error {
		return printFlowsRead(w, func(fn func(*api.FlowEntry) error) error {
			return api.ReadFlowRows(bytes.NewReader(rows.Bytes()), fn)
		})
	}, printFlows)
}
