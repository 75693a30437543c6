package api

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// rowMACs covers every field of a MAC entry, text that needs escaping and
// the extremes of the numbers.
var rowMACs = []MACEntry{
	{MAC: "02:00:00:00:00:0a", VNI: 10, Port: "a", OFPort: 1, VLAN: 1, Age: 12.7, HardTimeout: 300, Hits: 3, Source: SourceLearned},
	{MAC: "02:00:00:00:00:0b", VNI: 0xffffff, Remote: true, VTEP: "10.0.0.2", Port: "vxlan0", OFPort: 0xffffffff, Age: 1e-9,
		IdleTimeout: 65535, Hits: 1<<64 - 1, Source: SourceEVPN, Seq: 1<<32 - 1},
	{MAC: "02:00:00:00:01:0d", VNI: 20, Port: "tab\there\\back\nline\rcr", OFPort: 8, VLAN: 4095, Age: 42, Frozen: true,
		FlappedWith: "VTEP 10.0.0.3", Source: SourceStatic},
	{MAC: "", Port: "ünï"},
}

var rowFlows = []FlowEntry{
	{Bridge: "br-int", Role: BridgeOverlay, Table: 30, TableName: "mac", Priority: 100, Cookie: "0x2100000a", Vtep: true,
		Feature: "learned-remote", VNI: 10, Learned: true, Match: "reg0=0xa/0xffffff,dl_dst=02:10:00:00:00:01",
		Actions: "load:0xa000002->NXM_NX_REG2[],load:0x2->NXM_NX_REG3[0..15]", HardTimeout: 3600, Duration: 4.25, Packets: 5, Bytes: 490},
	{Bridge: "br-phy", Role: BridgeUnderlay, Table: 255, Priority: 65535, Cookie: "0x0", Match: "", Actions: "drop\tand\\more",
		IdleTimeout: 65535, Duration: 0, Packets: 1<<64 - 1, Bytes: 1<<64 - 1},
}

func readMACs(b []byte) ([]MACEntry, error) {
	var out []MACEntry
	err := ReadMACRows(bytes.NewReader(b), func(m *MACEntry) error {
		out = append(out, *m)
		return nil
	})
	return out, err
}

func readFlows(b []byte) ([]FlowEntry, error) {
	var out []FlowEntry
	err := ReadFlowRows(bytes.NewReader(b), func(f *FlowEntry) error {
		out = append(out, *f)
		return nil
	})
	return out, err
}

// TestRowsRoundTrip: what WriteMACRows and WriteFlowRows write reads back
// as the same entries, empty lists included.
func TestRowsRoundTrip(t *testing.T) {
	for _, ms := range [][]MACEntry{rowMACs, {}} {
		var b bytes.Buffer
		if err := WriteMACRows(&b, ms); err != nil {
			t.Fatal(err)
		}
		got, err := readMACs(b.Bytes())
		if err != nil || len(got) != len(ms) || (len(ms) > 0 && !reflect.DeepEqual(got, ms)) {
			t.Errorf("MACs back: %+v, %v\nwant %+v\nfrom %q", got, err, ms, b.String())
		}
	}
	var b bytes.Buffer
	if err := WriteFlowRows(&b, rowFlows); err != nil {
		t.Fatal(err)
	}
	got, err := readFlows(b.Bytes())
	if err != nil || !reflect.DeepEqual(got, rowFlows) {
		t.Errorf("flows back: %+v, %v\nwant %+v", got, err, rowFlows)
	}
	// one line per entry between header and end: escapes keep them whole
	if n := strings.Count(b.String(), "\n"); n != len(rowFlows)+2 {
		t.Errorf("%d lines, want %d:\n%s", n, len(rowFlows)+2, b.String())
	}
}

// TestRowsLarge: an answer of 100,000 entries (more than a buffer) reads
// back whole.
func TestRowsLarge(t *testing.T) {
	ms := make([]MACEntry, 100000)
	for i := range ms {
		ms[i] = MACEntry{MAC: fmt.Sprintf("02:10:00:%02x:%02x:%02x", i>>16, i>>8&0xff, i&0xff), VNI: 10, Port: "vxlan0", Age: float64(i) / 3, Source: SourceLearned}
	}
	var b bytes.Buffer
	if err := WriteMACRows(&b, ms); err != nil {
		t.Fatal(err)
	}
	got, err := readMACs(b.Bytes())
	if err != nil || !reflect.DeepEqual(got, ms) {
		t.Fatalf("%d entries back, %v", len(got), err)
	}
}

// TestRowsMalformed: answers that are cut short, oversized, framed wrong
// or carry fields that do not parse are refused with an error that says
// what and where, after handing over only the rows before the fault.
func TestRowsMalformed(t *testing.T) {
	var good bytes.Buffer
	if err := WriteMACRows(&good, rowMACs[:2]); err != nil {
		t.Fatal(err)
	}
	g := good.String()
	row1 := strings.Split(g, "\n")[1]
	field := func(i int, v string) string {
		f := strings.Split(row1, "\t")
		f[i] = v
		return MACColumns + "\n" + strings.Join(f, "\t") + "\nend 1\n"
	}
	tests := []struct {
		name, body, want string
		rows             int // handed over before the error
	}{
		{"empty", "", "without its end line", 0},
		{"JSON", `[{"mac": "02:00:00:00:00:0a"}]`, "cut short", 0},
		{"other header", strings.Replace(g, "seq", "sequence", 1), "header", 0},
		{"flow header", FlowColumns + "\nend 0\n", "header", 0},
		{"no end line", strings.TrimSuffix(g, "end 2\n"), "without its end line", 2},
		{"cut inside a line", g[:len(g)-len("end 2\n")-5], "ends inside a line", 1},
		{"end count too small", strings.Replace(g, "end 2", "end 1", 1), `end line "end 1" after 2 rows`, 2},
		{"end count not a number", strings.Replace(g, "end 2", "end two", 1), "end line", 2},
		{"data after the end", g + "more\n", "data after the end line", 2},
		{"too few fields", MACColumns + "\n02:00:00:00:00:0a\t10\nend 1\n", "2 fields, want 15", 0},
		{"too many fields", MACColumns + "\n" + row1 + "\tx\nend 1\n", "16 fields, want 15", 0},
		{"vni too large", field(1, "16777216"), "vni \"16777216\": want a number 0..16777215", 0},
		{"negative", field(5, "-1"), "ofport \"-1\"", 0},
		{"empty number", field(10, ""), "hits \"\"", 0},
		{"hits overflow", field(10, "18446744073709551616"), "hits", 0},
		{"vlan too large", field(6, "4096"), "vlan", 0},
		{"flag", field(2, "true"), "remote \"true\": want 0 or 1", 0},
		{"age NaN", field(7, "NaN"), "age_s \"NaN\": want a finite number", 0},
		{"age Inf", field(7, "+Inf"), "age_s", 0},
		{"bad escape", field(4, `a\x`), `port "a\\x": want text with escapes`, 0},
		{"escape at end", field(4, `a\`), "port", 0},
		{"server error", g[:len(g)-len("end 2\n")] + "error overlay bridge\\tbr-int: read flows: EOF\n", "failed after 2 rows: overlay bridge\tbr-int: read flows: EOF", 2},
		{"bad error line", g[:len(g)-len("end 2\n")] + "error \\q\n", `error line "error \\q"`, 2},
		{"row too long", MACColumns + "\n" + strings.Repeat("x", MaxRowBytes+1) + "\nend 1\n", "longer than", 0},
		{"header too long", strings.Repeat("x", MaxRowBytes+1), "longer than", 0},
	}
	for _, tt := range tests {
		n := 0
		err := ReadMACRows(strings.NewReader(tt.body), func(*MACEntry) error {
			n++
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
		if n != tt.rows {
			t.Errorf("%s: %d rows handed over, want %d", tt.name, n, tt.rows)
		}
	}
}

// TestRowsCallbackError: an error of fn ends the read and comes back as it
// is.
func TestRowsCallbackError(t *testing.T) {
	var b bytes.Buffer
	if err := WriteFlowRows(&b, rowFlows); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	n := 0
	err := ReadFlowRows(&b, func(*FlowEntry) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("error %v after %d rows, want stop after 1", err, n)
	}
}

// FuzzReadRows: any answer is either refused or read into entries that
// write back to an answer which reads back the same.
func FuzzReadRows(f *testing.F) {
	var b bytes.Buffer
	_ = WriteMACRows(&b, rowMACs)
	f.Add(b.Bytes())
	b.Reset()
	_ = WriteFlowRows(&b, rowFlows)
	f.Add(b.Bytes())
	f.Add([]byte(MACColumns + "\nend 0\n"))
	f.Add([]byte(MACColumns + "\n\\\t1\t0\t\t\t0\t0\t-0\t0\t0\t0\t0\t\t\t0\nend 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if ms, err := readMACs(data); err == nil {
			var out bytes.Buffer
			if err := WriteMACRows(&out, ms); err != nil {
				t.Fatal(err)
			}
			back, err := readMACs(out.Bytes())
			if err != nil || len(back) != len(ms) || (len(ms) > 0 && !reflect.DeepEqual(back, ms)) {
				t.Fatalf("MACs %+v written as %q read back as %+v, %v", ms, out.Bytes(), back, err)
			}
		}
		if fs, err := readFlows(data); err == nil {
			var out bytes.Buffer
			if err := WriteFlowRows(&out, fs); err != nil {
				t.Fatal(err)
			}
			back, err := readFlows(out.Bytes())
			if err != nil || len(back) != len(fs) || (len(fs) > 0 && !reflect.DeepEqual(back, fs)) {
				t.Fatalf("flows %+v written as %q read back as %+v, %v", fs, out.Bytes(), back, err)
			}
		}
	})
}

// TestAppendFlowRowText: with the match and actions as text, the same row
// as AppendFlowRow with them in the entry.
func TestAppendFlowRowText(t *testing.T) {
	for _, f := range rowFlows {
		bare := f
		bare.Match, bare.Actions = "ignored", "ignored"
		got := AppendFlowRowText([]byte("x"), &bare, []byte(f.Match), []byte(f.Actions))
		if want := AppendFlowRow([]byte("x"), &f); string(got) != string(want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
	}
}
