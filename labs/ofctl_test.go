package labs_test

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseFlowLine(t *testing.T) {
	tests := []struct {
		line string
		want labs.Flow
	}{
		{
			line: " cookie=0xc10000000000000a, duration=0.455s, table=30, n_packets=2, n_bytes=148, idle_timeout=300, priority=100,reg0=0xa/0xffffff,dl_dst=02:00:00:00:00:0a actions=load:0xa000001->NXM_NX_REG2[],load:0x2->NXM_NX_REG3[0..15]",
			want: labs.Flow{Cookie: 0xc10000000000000a, Table: 30, Priority: 100, Packets: 2, Duration: 455 * time.Millisecond,
				Match: "reg0=0xa/0xffffff,dl_dst=02:00:00:00:00:0a", Actions: "load:0xa000001->NXM_NX_REG2[],load:0x2->NXM_NX_REG3[0..15]"},
		},
		{
			line: " cookie=0x45a8bb2ad4000000, duration=2.264s, table=0, n_packets=0, n_bytes=0, priority=0 actions=drop",
			want: labs.Flow{Cookie: 0x45a8bb2ad4000000, Table: 0, Priority: 0, Duration: 2264 * time.Millisecond, Actions: "drop"},
		},
		{
			line: " cookie=0x0, duration=1s, table=0, n_packets=7, n_bytes=0, in_port=1 actions=NORMAL",
			want: labs.Flow{Table: 0, Priority: 0x8000, Packets: 7, Duration: time.Second, Match: "in_port=1", Actions: "NORMAL"},
		},
	}
	for _, tt := range tests {
		got, err := labs.ParseFlowLine(tt.line)
		if err != nil {
			t.Fatalf("ParseFlowLine(%q): %v", tt.line, err)
		}
		if got.Cookie != tt.want.Cookie || got.Table != tt.want.Table || got.Priority != tt.want.Priority ||
			got.Packets != tt.want.Packets || got.Duration != tt.want.Duration || got.Match != tt.want.Match || got.Actions != tt.want.Actions {
			t.Errorf("ParseFlowLine(%q)\n got %+v\nwant %+v", tt.line, got, tt.want)
		}
	}
	for _, bad := range []string{
		"cookie=0x1, table=0 no actions here",
		" cookie=0xzz, table=0, priority=1 actions=drop",
		" cookie=0x1, duration=xs, table=0, priority=1 actions=drop",
		" cookie=0x1, table=0, priority=high actions=drop",
		" cookie=0x1, table=0, in_port=1, in_port=2 actions=drop",
	} {
		if _, err := labs.ParseFlowLine(bad); err == nil {
			t.Errorf("ParseFlowLine(%q) accepted a malformed line", bad)
		}
	}
}

func TestParseLearned(t *testing.T) {
	ports := labs.ParsePortDescs(readTestdata(t, "dump_ports_desc.txt"))
	if want := map[uint32]string{1: "a", 2: "vxlan0"}; !reflect.DeepEqual(ports, want) {
		t.Fatalf("ports = %v, want %v", ports, want)
	}
	got, err := labs.ParseLearned(readTestdata(t, "dump_flows_table30.txt"), ports)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"02:00:00:00:00:0a 10 local port a 2s 1", "02:00:00:00:00:0b 1000 VTEP 10.0.0.2 1s 0"}
	var gotS []string
	for _, e := range got {
		gotS = append(gotS, fmt.Sprintf("%s %d %s %.0fs %d", e.MAC, e.VNI, e.Where(), e.Age.Seconds(), e.Hits))
	}
	if !reflect.DeepEqual(gotS, want) {
		t.Errorf("ParseLearned = %q, want %q", gotS, want)
	}
	// A port missing from the descriptions is named by its number.
	got, err = labs.ParseLearned(readTestdata(t, "dump_flows_table30.txt"), nil)
	if err != nil || got[0].PortName != "1" {
		t.Errorf("ParseLearned without port names: %+v, %v", got, err)
	}
}

func TestParseLearnedErrors(t *testing.T) {
	bad := map[string]string{
		" cookie=0xc10000000000000a, table=30, priority=100,reg0=0xa/0xffffff actions=load:0xa000002->NXM_NX_REG2[]":                                          "no dl_dst",
		" cookie=0xc10000000000000a, table=30, priority=100,dl_dst=02:00:00:00:00:0b actions=load:0x2->NXM_NX_REG3[0..15]":                                    "loads no VTEP address",
		" cookie=0xc10000000000000a, table=30, priority=100,reg0=0xb/0xffffff,dl_dst=02:00:00:00:00:0b actions=load:0xa000002->NXM_NX_REG2[]":                 "differs from the cookie's VNI 10",
		" cookie=0xc20000000000000a, table=30, priority=100,reg0=0xa/0xffffff,dl_dst=02:00:00:00:00:0b actions=load:0xa000002->NXM_NX_REG2[]":                 "learned-local flow",
		" cookie=0xc10000000000000a, table=30, priority=100,reg0=0xa/0xffffff,dl_dst=02:00:00:00:00:0b actions=load:0xffffffffffffffffff->NXM_NX_REG2[]":      "loads no VTEP address",
		" cookie=0xc10000000000000a, table=30, priority=100,reg0=0xa/0xffffff,dl_dst=not-a-mac actions=load:0xa000002->NXM_NX_REG2[],load:0x2->NXM_NX_REG3[]": "no dl_dst",
		" cookie=0xc1zz, table=30 actions=drop": "cookie",
	}
	for line, want := range bad {
		if _, err := labs.ParseLearned(line, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseLearned(%q) = %v, want an error with %q", line, err, want)
		}
	}
}

func TestFlowLearnedSetField(t *testing.T) {
	f, err := labs.ParseFlowLine(" cookie=0xc10000000000000a, duration=1s, table=30, n_packets=0, n_bytes=0, priority=100,reg0=0xa/0xffffff,dl_dst=02:00:00:00:00:0b actions=set_field:0xa000002->reg2,load:0x2->NXM_NX_REG3[0..15]")
	if err != nil {
		t.Fatal(err)
	}
	lf := f.Learned()
	if lf.Loads[2] != 0xa000002 || lf.Loads[3] != 2 || !lf.HasVNI || lf.VNI != 10 || lf.MAC.String() != "02:00:00:00:00:0b" {
		t.Errorf("Learned() = %+v", lf)
	}
}

// TestParsersSurviveTruncation feeds every prefix of every recorded line to
// the parsers: each one is skipped or refused with an error, never a panic.
func TestParsersSurviveTruncation(t *testing.T) {
	for _, name := range []string{"dump_flows_table30.txt", "dump_ports_desc.txt", "bridge_mdb_show.txt", "bridge_fdb_show.txt", "ip_link_master.txt", "tcpdump_vxlan.txt"} {
		for _, line := range strings.Split(readTestdata(t, name), "\n") {
			for i := range len(line) + 1 {
				s := line[:i]
				_, _ = labs.ParseFlows(s)
				_, _ = labs.ParseLearned(s, nil)
				_ = labs.ParsePortDescs(s)
				_ = labs.ParseMDB(s)
				_ = labs.ParseFDB(s)
				_ = labs.ParseLinkNames(s)
				_ = labs.ParseNeigh(s)
				_, _ = labs.ParsePing(s)
				_ = labs.WireLine(s)
			}
		}
	}
}
