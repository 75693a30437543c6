package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/vtep/vtep/api"
)

// benchMACs is a table of n entries as vtepd answers it, half remote.
func benchMACs(n int) []api.MACEntry {
	ms := make([]api.MACEntry, n)
	for i := range ms {
		ms[i] = api.MACEntry{MAC: fmt.Sprintf("02:10:00:%02x:%02x:%02x", i>>16&0xff, i>>8&0xff, i&0xff), VNI: uint32(10 + 10*(i%2)),
			Port: "vm1", OFPort: 2, VLAN: 1, Age: float64(i%4000) + 0.25, HardTimeout: 3600, Hits: uint64(i % 7), Source: api.SourceLearned}
		if i%4 < 2 {
			ms[i].Remote, ms[i].VTEP, ms[i].Port, ms[i].OFPort, ms[i].VLAN = true, "10.0.0.2", "vxlan0", 1, 0
		}
	}
	return ms
}

// printMACsTabwriter is how vtepctl macs printed its table before the row
// format: fmt and text/tabwriter per line.
func printMACsTabwriter(w io.Writer, ms []api.MACEntry) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VNI\tMAC\tWHERE\tPORT\tVLAN\tSOURCE\tAGE\tHITS\tFROZEN")
	for _, m := range ms {
		where, vlan := "local", "-"
		if m.Remote {
			where = "VTEP " + m.VTEP
		} else if m.VLAN != 0 {
			vlan = fmt.Sprint(m.VLAN)
		} else {
			vlan = "untagged"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", m.VNI, m.MAC, where, m.Port, vlan,
			string(appendSource(nil, &m)), formatAge(m.Age), m.Hits, string(appendFrozen(nil, &m)))
	}
	return tw.Flush()
}

// BenchmarkMACsClient measures vtepctl's share of `vtepctl macs` at
// 100,000 entries: reading vtepd's answer and printing the table, from
// the row format into the column layout, against the same from the JSON
// answer through encoding/json and text/tabwriter (as before the row
// format), in the same run; both print the same bytes.
//
//	go test -run '^$' -bench MACsClient -benchtime 5x ./cmd/vtepctl
func BenchmarkMACsClient(b *testing.B) {
	ms := benchMACs(100000)
	var rows, js bytes.Buffer
	if err := api.WriteMACRows(&rows, ms); err != nil {
		b.Fatal(err)
	}
	if err := json.NewEncoder(&js).Encode(ms); err != nil {
		b.Fatal(err)
	}
	benchRowsVsJSON(b, js.Bytes(), func(w io.Writer) error {
		t := newMACTable()
		if err := api.ReadMACRows(bytes.NewReader(rows.Bytes()), t.add); err != nil {
			return err
		}
		return t.write(w)
	}, printMACsTabwriter)
}

// benchRowsVsJSON times printing a table read from the row format
// (fromRows) against decoding its JSON answer js with encoding/json and
// printing that (printJSON), in the same loop; both must print the same
// bytes. It reports both times and their ratio.
func benchRowsVsJSON[T any](b *testing.B, js []byte, fromRows func(io.Writer) error, printJSON func(io.Writer, []T) error) {
	b.Helper()
	var out, want bytes.Buffer
	var tRows, tJSON time.Duration
	for b.Loop() {
		out.Reset()
		start := time.Now()
		if err := fromRows(&out); err != nil {
			b.Fatal(err)
		}
		tRows += time.Since(start)
		want.Reset()
		start = time.Now()
		var back []T
		if err := json.NewDecoder(bytes.NewReader(js)).Decode(&back); err != nil {
			b.Fatal(err)
		}
		if err := printJSON(&want, back); err != nil {
			b.Fatal(err)
		}
		tJSON += time.Since(start)
	}
	if !bytes.Equal(out.Bytes(), want.Bytes()) {
		b.Fatalf("the two print different tables")
	}
	b.ReportMetric(tRows.Seconds()/float64(b.N), "rows-s")
	b.ReportMetric(tJSON.Seconds()/float64(b.N), "json-s")
	b.ReportMetric(float64(tRows)/float64(tJSON), "rows/json")
}
