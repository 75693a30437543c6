package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vtep/vtep/api"
)

// Layout goldens: fixed data through the printers, byte for byte.

func TestPrintMACsLayout(t *testing.T) {
	var b bytes.Buffer
	err := printMACs(&b, []api.MACEntry{
		{MAC: "02:00:00:00:00:0a", VNI: 10, Port: "a", OFPort: 1, VLAN: 1, Age: 12.7, Hits: 3},
		{MAC: "02:00:00:00:00:0b", VNI: 10, Remote: true, VTEP: "10.0.0.2", Port: "vxlan0", OFPort: 2, Age: 185, Hits: 1204},
		{MAC: "02:00:00:00:01:0c", VNI: 20, Port: "web-1", OFPort: 7, Age: 7322},
		{MAC: "02:00:00:00:01:0d", VNI: 20, Port: "web-2", OFPort: 8, Age: 42, Frozen: true, FlappedWith: "VTEP 10.0.0.3"},
		{MAC: "02:00:00:00:02:0e", VNI: 30, Remote: true, VTEP: "10.0.0.9", Port: "vxlan0", OFPort: 2, Source: api.SourceEVPN, Seq: 3},
		{MAC: "02:00:00:00:02:0f", VNI: 30, Port: "db-1", OFPort: 9, Source: api.SourceStatic},
	})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "macs_layout", b.String())
}

func TestPrintNeighLayout(t *testing.T) {
	var b bytes.Buffer
	err := printNeigh(&b, []api.NeighEntry{
		{IP: "192.168.10.2", MAC: "02:00:00:00:00:0b", VNI: 10, Source: "learned", Age: 12.7, HardTimeout: 300, Hits: 4},
		{IP: "192.168.10.3", MAC: "02:00:00:00:00:0c", VNI: 10, Source: "static", Age: 3700},
	})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "neigh_layout", b.String())
	b.Reset()
	if err := printNeigh(&b, nil); err != nil || b.String() != "no ARP suppression bindings\n" {
		t.Errorf("empty table: %q, %v", b.String(), err)
	}
}

func TestPrintARPSuppression(t *testing.T) {
	var b bytes.Buffer
	printARPSuppression(&b, []api.NetworkStatus{{VNI: 10, ARPSuppression: "learned"}, {VNI: 20}, {VNI: 30, ARPSuppression: "static"}})
	want := "\narp suppression (bindings: vtepctl neigh):\n  VNI  MODE\n  10   learned\n  30   static\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	printARPSuppression(&b, []api.NetworkStatus{{VNI: 10}})
	if b.Len() != 0 {
		t.Errorf("no network suppresses, yet %q", b.String())
	}
}

// layoutFlows are the flows of the dump-flows layout golden, sorted.
var layoutFlows = []api.FlowEntry{
	{Bridge: "br-int", Role: "overlay", Table: 0, TableName: "classify", Priority: 100, Vtep: true, Feature: "classify-vlan", VNI: 10,
		Match: "in_port=1,vlan_tci=0x1001/0x1fff", Actions: "pop_vlan,load:0xa->NXM_NX_REG0[0..23],goto_table:20", Packets: 12, Bytes: 980, Duration: 61},
	{Bridge: "br-int", Role: "overlay", Table: 0, TableName: "classify", Priority: 0, Vtep: true, Feature: "drop-unknown-vlan", Actions: "drop", Packets: 3, Bytes: 180, Duration: 61},
	{Bridge: "br-int", Role: "overlay", Table: 30, TableName: "mac", Priority: 100, Vtep: true, Feature: "learned-remote", VNI: 10, Learned: true,
		Match: "dl_dst=02:00:00:00:00:0b,reg0=0xa/0xffffff", Actions: "load:0xa000002->NXM_NX_REG2[],load:0x2->NXM_NX_REG3[0..15]", Packets: 5, Bytes: 490, Duration: 4},
	{Bridge: "br-int", Role: "overlay", Table: 99, Priority: 1, Match: "in_port=9", Actions: "drop"},
	{Bridge: "br-phy", Role: "underlay", Table: 0, TableName: "underlay", Priority: 0, Vtep: true, Feature: "underlay-normal", Actions: "NORMAL", Packets: 40, Bytes: 4000, Duration: 3700},
}

func TestPrintFlowsLayout(t *testing.T) {
	var b bytes.Buffer
	if err := printFlows(&b, layoutFlows); err != nil {
		t.Fatal(err)
	}
	golden(t, "flows_layout", b.String())
}

// TestPrintFlowsReadSorts: flows read in any order (as the row format
// hands them over) print as the sorted list does; an error of the read
// is returned, nothing printed.
func TestPrintFlowsReadSorts(t *testing.T) {
	var want bytes.Buffer
	if err := printFlows(&want, layoutFlows); err != nil {
		t.Fatal(err)
	}
	for _, order := range [][]int{{4, 3, 2, 1, 0}, {2, 4, 0, 3, 1}, {1, 0, 4, 2, 3}} {
		var got bytes.Buffer
		err := printFlowsRead(&got, func(fn func(*api.FlowEntry) error) error {
			for _, i := range order {
				f := layoutFlows[i]
				if err := fn(&f); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || got.String() != want.String() {
			t.Errorf("read in order %v: %v\n%s\nwant\n%s", order, err, got.String(), want.String())
		}
	}
	var got bytes.Buffer
	boom := errors.New("cut short")
	if err := printFlowsRead(&got, func(func(*api.FlowEntry) error) error { return boom }); err != boom || got.Len() != 0 {
		t.Errorf("a failed read: %v, printed %q", err, got.String())
	}
}

func TestPrintFlowDiffsLayout(t *testing.T) {
	var b bytes.Buffer
	f := &api.FlowEntry{Table: 40, TableName: "egress", Feature: "egress-tunnel"}
	g := &api.FlowEntry{Table: 50, TableName: "flood", Feature: "flood", VNI: 10}
	err := printFlowDiffs(&b, []api.FlowDiff{
		{Bridge: "br-int", Role: "overlay", WantedFlows: 17, Changes: []api.FlowChange{
			{Op: "add", Flow: f, Text: "table=40,priority=100,cookie=0x4b,reg3=0x2/0xffff,actions=output:2"},
			{Op: "replace", Flow: g, Text: "table=50,priority=100,cookie=0x4e,reg0=0xa/0xffffff,actions=output:1"},
			{Op: "delete", Flow: g, Text: "table=50,priority=100,cookie=0x4f,reg0=0xb/0xffffff,actions=output:1"},
			{Op: "add group", Text: "group_id=10,type=all"},
		}},
		{Bridge: "br-phy", Role: "underlay", WantedFlows: 2, Changes: []api.FlowChange{}},
		{Bridge: "br-x", Role: "underlay", NotChecked: "underlay bridge br-x is not connected"},
	})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "diff_layout", b.String())
}

func TestPrintStatusLayout(t *testing.T) {
	b, err := os.ReadFile("testdata/status_report.json")
	if err != nil {
		t.Fatal(err)
	}
	var rep statusReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := printStatus(&out, rep); err != nil {
		t.Fatal(err)
	}
	// the activity section prints times relative to now
	head, _, _ := strings.Cut(out.String(), "\nactivity:\n")
	golden(t, "status_layout", head+"\n")
}

func TestPrintTraceLayout(t *testing.T) {
	res := api.TraceResult{Bridge: "br-int", Flow: "in_port=1,dl_vlan=1,dl_src=02:00:00:00:00:0a,dl_dst=02:00:00:00:00:0b",
		Verdict: "to VTEP 10.0.0.2 (VNI 10)", DatapathActions: "pop_vlan,tnl_push(...)",
		Steps: []api.TraceStep{
			{Bridge: "br-int", Table: 0, TableName: "classify", Feature: "classify-vlan", VNI: 10, Priority: 100, Match: "in_port=1,dl_vlan=1", Cookie: "0x42",
				Actions: []api.TraceAction{{Action: "pop_vlan"}, {Action: "goto_table:20"}}, Explain: "from port a VLAN 1 -> VNI 10"},
			{Bridge: "br-int", Depth: 1, Table: 30, TableName: "mac", Feature: "learned-remote", VNI: 10, Learned: true, Priority: 100, Cookie: "0xc1",
				Actions: []api.TraceAction{{Action: "load:0xa000002->NXM_NX_REG2[]"}}, Explain: "MAC table hit: 02:00:00:00:00:0b in VNI 10 is behind VTEP 10.0.0.2"},
			{Bridge: "br-int", Table: 40, TableName: "egress", Feature: "egress-tunnel", Priority: 100,
				Actions: []api.TraceAction{{Action: "output:2", Notes: []string{"output to native tunnel"}}}, Explain: "known remote destination: to VTEP 10.0.0.2 with VNI 10"},
			{Bridge: "br-phy", Table: 0, TableName: "underlay", Feature: "underlay-normal", Explain: "underlay bridge br-phy switches the outer packet normally"},
		}}
	for _, verbose := range []bool{false, true} {
		var b bytes.Buffer
		if err := printTrace(&b, res, verbose); err != nil {
			t.Fatal(err)
		}
		name := "trace_layout"
		if verbose {
			name += "_verbose"
		}
		golden(t, name, b.String())
	}
}

func TestFormatAge(t *testing.T) {
	for _, tt := range []struct {
		sec  float64
		want string
	}{{0, "0s"}, {59.9, "59s"}, {60, "1m00s"}, {185, "3m05s"}, {3600, "1h00m"}, {7322, "2h02m"}, {90000, "1d01h"}, {-1, "-"}} {
		if got := formatAge(tt.sec); got != tt.want {
			t.Errorf("formatAge(%v) = %q, want %q", tt.sec, got, tt.want)
		}
	}
}

// TestUsageErrors checks that bad arguments explain the usage and exit 2
// before anything talks to vtepd, and that an unreachable vtepd is a clear
// error with exit 1.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	missing := "unix:" + dir + "/no-vtepd.sock"
	badCfg := dir + "/bad.yaml"
	if err := os.WriteFile(badCfg, []byte("bridge: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"macs", "--vni", "0"}, 2, `invalid value "0" for flag --vni: want a VNI 1..16777215`},
		{[]string{"macs", "--vni", "x"}, 2, "usage: vtepctl macs"},
		{[]string{"macs", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"macs", "flush"}, 2, "MAC required"},
		{[]string{"macs", "flush", "zz"}, 2, `MAC "zz": want an Ethernet address`},
		{[]string{"macs", "flush", "02:00:00:00:00:0a", "x"}, 2, `unexpected argument "x"`},
		{[]string{"macs", "flush", "02:00:00:00:00:0a", "--vni", "0"}, 2, `invalid value "0" for flag --vni`},
		{[]string{"macs", "-o", "yaml"}, 2, `-o "yaml": want table or json`},
		{[]string{"macs", "--api", "/tmp/x.sock"}, 2, `--api "/tmp/x.sock": want unix:PATH or tcp:HOST:PORT`},
		{[]string{"macs", "--api", missing, "--config", badCfg}, 2, "--api and --config both given"},
		{[]string{"status", "--config", badCfg}, 2, "--config " + badCfg},
		{[]string{"dump-flows", "--bridge", "br-int"}, 2, `--bridge "br-int": want overlay or underlay`},
		{[]string{"dump-flows", "--table", "macs"}, 2, "--table \"macs\": want a number 0..254 or a table name (classify, source-check, learn-pause, tunnel-in, local-in, mac-limit, mac-refused, pause-trigger, mac, neigh-learn, neigh, egress, tunnel-out, arp-responder, nd-advert, flood, flood-out)"},
		{[]string{"dump-flows", "--diff", "--vni", "10"}, 2, "--diff compares whole bridges"},
		{[]string{"trace", "--in-port", "a"}, 2, "--dl-src is required"},
		{[]string{"trace", "--dl-src", "02:00:00:00:00:0a"}, 2, "--in-port is empty: give --in-port (a VM port) or --vni and --tun-src"},
		{[]string{"trace", "--in-port", "a", "--vni", "10", "--tun-src", "10.0.0.2", "--dl-src", "02:00:00:00:00:0a"}, 2, "a packet comes from a port or from the tunnel, not both"},
		{[]string{"trace", "--in-port", "a", "--dl-src", "nope"}, 2, `--dl-src "nope": not a MAC address`},
		{[]string{"trace", "--in-port", "a", "--vlan", "5000", "--dl-src", "02:00:00:00:00:0a"}, 2, "--vlan 5000: want 1..4094"},
		{[]string{"macs", "--api", missing}, 1, "vtepd at " + missing + " is not reachable"},
		{[]string{"status", "--api", missing}, 1, "is vtepd running"},
		{[]string{"trace", "--api", missing, "--in-port", "a", "--dl-src", "02:00:00:00:00:0a"}, 1, "not reachable"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var o, e bytes.Buffer
			code := run(t.Context(), tt.args, &o, &e)
			if code != tt.wantCode || !strings.Contains(e.String(), tt.wantErr) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, e.String(), tt.wantCode, tt.wantErr)
			}
			if tt.wantCode == 2 && !strings.Contains(e.String(), "usage: vtepctl "+tt.args[0]) {
				t.Errorf("usage error without the usage:\n%s", e.String())
			}
			if o.Len() != 0 {
				t.Errorf("stdout not empty on error: %q", o.String())
			}
		})
	}
}

func TestAPIFromConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := dir + "/vtepd.yaml"
	yaml := "underlay:\n  uplink: eth0\n  local_ip: 10.0.0.1/24\nnetworks:\n  - {vni: 10, vlan: 1, group: 239.1.1.1}\napi:\n  listen: unix:" + dir + "/api.sock\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	var o, e bytes.Buffer
	code := run(t.Context(), []string{"macs", "--config", cfg}, &o, &e)
	if code != 1 || !strings.Contains(e.String(), "vtepd at unix:"+dir+"/api.sock is not reachable") {
		t.Errorf("macs --config: exit %d, %q; want it to try api.listen of the file", code, e.String())
	}
}

func TestUnhealthyNamesFailedChecks(t *testing.T) {
	ok := api.Health{Healthy: true, Checks: []api.Check{{Name: "programmed", OK: true}}}
	if err := unhealthy(ok); err != nil {
		t.Errorf("healthy: %v, want nil", err)
	}
	bad := api.Health{Checks: []api.Check{
		{Name: "overlay_bridge", OK: true},
		{Name: "tunnel_receive", Detail: "broken: OVS does not listen"},
		{Name: "group_routes", Detail: "no tunnel route to 239.1.1.2"},
	}}
	err := unhealthy(bad)
	if err == nil {
		t.Fatal("unhealthy: nil error")
	}
	for _, want := range []string{"tunnel_receive: broken: OVS does not listen", "group_routes: no tunnel route to 239.1.1.2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "overlay_bridge") {
		t.Errorf("error %q names a passing check", err)
	}
	// A reply that says unhealthy without checks still fails.
	if err := unhealthy(api.Health{}); err == nil {
		t.Error("unhealthy with no checks: nil error")
	}
	if got := healthLine(bad); got != "UNHEALTHY (tunnel_receive, group_routes)" {
		t.Errorf("healthLine = %q", got)
	}
}

// TestPrintLearningPaused lists the paused places of each network that has
// any, and nothing at all when none has.
func TestPrintLearningPaused(t *testing.T) {
	var b strings.Builder
	printLearningPaused(&b, []api.NetworkStatus{{VNI: 10}, {VNI: 20}})
	if b.Len() != 0 {
		t.Errorf("printed %q without pauses, want nothing", b.String())
	}
	printLearningPaused(&b, []api.NetworkStatus{{VNI: 10, LearningPaused: []string{"port vm-a", "vtep 10.0.0.1"}}, {VNI: 20}})
	want := "\nlearning paused (max_macs refused a burst of new sources; frames still flood):\n  VNI 10: port vm-a, vtep 10.0.0.1\n"
	if b.String() != want {
		t.Errorf("printed %q, want %q", b.String(), want)
	}
}

// TestPrintList aligns the header and rows, prints the empty message
// without rows, and the bare header when there is none.
func TestPrintList(t *testing.T) {
	row := func(s *[2]string) string { return s[0] + "\t" + s[1] }
	var b strings.Builder
	if err := printList(&b, [][2]string{{"10", "a"}, {"2000", "bb"}}, "none", "VNI\tX", row); err != nil {
		t.Fatal(err)
	}
	if want := "VNI   X\n10    a\n2000  bb\n"; b.String() != want {
		t.Errorf("rows: %q, want %q", b.String(), want)
	}
	b.Reset()
	if err := printList(&b, nil, "none", "VNI\tX", row); err != nil || b.String() != "none\n" {
		t.Errorf("no rows: %q, want the empty message", b.String())
	}
	b.Reset()
	if err := printList(&b, nil, "", "VNI\tX", row); err != nil || b.String() != "VNI  X\n" {
		t.Errorf("no rows, no empty message: %q, want the header", b.String())
	}
}
