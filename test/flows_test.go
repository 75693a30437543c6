package test

import (
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// dumpedFlow is one line of `ovs-ofctl dump-flows`, read independently of
// vtepd: what OVS itself reports.
type dumpedFlow struct {
	Cookie   pipeline.Cookie
	Table    int
	Priority int
	// Match is the match as ovs-ofctl prints it (without priority);
	// Fields holds its key=value parts.
	Match    string
	Fields   map[string]string
	Actions  string
	Packets  uint64
	Duration time.Duration
}

// Key identifies a flow in its table: what OVS replaces on an add.
func (f dumpedFlow) Key() string {
	return fmt.Sprintf("table=%d,priority=%d,%s", f.Table, f.Priority, f.Match)
}

// statKeys are the fields ovs-ofctl prints before the match, separated by ", ".
var statKeys = map[string]bool{
	"cookie": true, "duration": true, "table": true, "n_packets": true, "n_bytes": true,
	"idle_timeout": true, "hard_timeout": true, "idle_age": true, "hard_age": true,
	"importance": true, "send_flow_rem": true, "reset_counts": true, "no_packet_counts": true,
	"no_byte_counts": true, "check_overlap": true,
}

// parseFlowLine reads one flow line of `ovs-ofctl -O OpenFlow13 dump-flows`.
func parseFlowLine(line string) (dumpedFlow, error) {
	f := dumpedFlow{Priority: 0x8000, Fields: map[string]string{}}
	line = strings.TrimSpace(line)
	head, actions, ok := strings.Cut(line, " actions=")
	if !ok {
		return f, fmt.Errorf("flow line %q: no actions", line)
	}
	f.Actions = actions
	parts := strings.Split(head, ", ")
	var match string
	for _, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		if !statKeys[k] {
			if match != "" {
				return f, fmt.Errorf("flow line %q: two match parts %q and %q", line, match, p)
			}
			match = p
			continue
		}
		var err error
		switch k {
		case "cookie":
			var c uint64
			c, err = strconv.ParseUint(strings.TrimPrefix(v, "0x"), 16, 64)
			f.Cookie = pipeline.Cookie(c)
		case "duration":
			var s float64
			s, err = strconv.ParseFloat(strings.TrimSuffix(v, "s"), 64)
			f.Duration = time.Duration(s * float64(time.Second))
		case "table":
			f.Table, err = strconv.Atoi(v)
		case "n_packets":
			f.Packets, err = strconv.ParseUint(v, 10, 64)
		}
		if err != nil {
			return f, fmt.Errorf("flow line %q: %s: %w", line, k, err)
		}
	}
	var rest []string
	for _, kv := range strings.Split(match, ",") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if k == "priority" {
			p, err := strconv.Atoi(v)
			if err != nil {
				return f, fmt.Errorf("flow line %q: priority: %w", line, err)
			}
			f.Priority = p
			continue
		}
		f.Fields[k] = v
		rest = append(rest, kv)
	}
	f.Match = strings.Join(rest, ",")
	return f, nil
}

// parseFlows reads a whole dump, skipping the reply header.
func parseFlows(out string) ([]dumpedFlow, error) {
	var fs []dumpedFlow
	for _, l := range strings.Split(out, "\n") {
		if !strings.Contains(l, " actions=") {
			continue
		}
		f, err := parseFlowLine(l)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// flows dumps and parses a bridge's flows on a hypervisor.
func flows(t testing.TB, r *labs.Running, hv, bridge string, args ...string) []dumpedFlow {
	t.Helper()
	fs, err := parseFlows(dumpFlows(t, r, hv, bridge, args...))
	if err != nil {
		t.Fatalf("%s %s: %v", hv, bridge, err)
	}
	return fs
}

// withFeature returns the flows whose cookie carries feature f.
func withFeature(fs []dumpedFlow, f pipeline.Feature) []dumpedFlow {
	var out []dumpedFlow
	for _, x := range fs {
		if x.Cookie.Feature() == f {
			out = append(out, x)
		}
	}
	return out
}

// macEntry is one learned MAC as the seed draws it: MAC, VNI and the VTEP
// behind which it sits ("local" for a MAC on a local port).
type macEntry struct {
	VNI  uint32
	MAC  string
	VTEP string
}

func (e macEntry) String() string { return fmt.Sprintf("%s vni=%d @%s", e.MAC, e.VNI, e.VTEP) }

var reg2Load = regexp.MustCompile(`load:(0x[0-9a-f]+|0)->NXM_NX_REG2\[\]`)

// learnedMAC decodes a learned flow of table 30 from OVS's own text: the
// cookie's feature and VNI, reg0 = VNI, dl_dst = MAC, and the load of the
// remote VTEP's address into reg2 (0 for a local MAC). It checks that the
// three places that carry the VNI agree.
func learnedMAC(f dumpedFlow) (macEntry, error) {
	feat := f.Cookie.Feature()
	if f.Table != int(pipeline.TableMAC) || (feat != pipeline.FeatureLearnedRemote && feat != pipeline.FeatureLearnedLocal) {
		return macEntry{}, fmt.Errorf("not a learned MAC: %s", f.Key())
	}
	e := macEntry{VNI: f.Cookie.VNI(), MAC: f.Fields["dl_dst"]}
	if want := fmt.Sprintf("0x%x/0xffffff", e.VNI); f.Fields["reg0"] != want {
		return e, fmt.Errorf("learned flow %s: reg0 %q, want %q (the cookie's VNI)", f.Key(), f.Fields["reg0"], want)
	}
	m := reg2Load.FindStringSubmatch(f.Actions)
	if m == nil {
		return e, fmt.Errorf("learned flow %s: no load into reg2 in %q", f.Key(), f.Actions)
	}
	ip, err := strconv.ParseUint(strings.TrimPrefix(m[1], "0x"), 16, 32)
	if err != nil {
		return e, fmt.Errorf("learned flow %s: reg2 %q: %w", f.Key(), m[1], err)
	}
	switch {
	case feat == pipeline.FeatureLearnedLocal && ip == 0:
		e.VTEP = "local"
	case feat == pipeline.FeatureLearnedRemote && ip != 0:
		e.VTEP = net.IPv4(byte(ip>>24), byte(ip>>16), byte(ip>>8), byte(ip)).String()
	default:
		return e, fmt.Errorf("learned flow %s: feature %s with reg2 = %s", f.Key(), feat, m[1])
	}
	return e, nil
}

// macTable returns a hypervisor's learned MACs as OVS reports them (table
// 30), sorted by VNI and MAC.
func macTable(t testing.TB, r *labs.Running, hv string) []macEntry {
	t.Helper()
	var out []macEntry
	for _, f := range flows(t, r, hv, "br-int", fmt.Sprintf("table=%d", pipeline.TableMAC)) {
		if !f.Cookie.Feature().Learned() {
			continue
		}
		e, err := learnedMAC(f)
		if err != nil {
			t.Fatalf("%s: %v", hv, err)
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].VNI != out[j].VNI {
			return out[i].VNI < out[j].VNI
		}
		return out[i].MAC < out[j].MAC
	})
	return out
}

func TestParseFlowLine(t *testing.T) {
	tests := []struct {
		line string
		want dumpedFlow
	}{
		{
			line: " cookie=0xc10000000000000a, duration=0.455s, table=30, n_packets=2, n_bytes=148, idle_timeout=300, priority=100,reg0=0xa/0xffffff,dl_dst=02:00:00:00:00:0a actions=load:0xa000001->NXM_NX_REG2[],load:0x2->NXM_NX_REG3[0..15]",
			want: dumpedFlow{Cookie: 0xc10000000000000a, Table: 30, Priority: 100, Packets: 2, Duration: 455 * time.Millisecond,
				Match: "reg0=0xa/0xffffff,dl_dst=02:00:00:00:00:0a", Actions: "load:0xa000001->NXM_NX_REG2[],load:0x2->NXM_NX_REG3[0..15]"},
		},
		{
			line: " cookie=0x45a8bb2ad4000000, duration=2.264s, table=0, n_packets=0, n_bytes=0, priority=0 actions=drop",
			want: dumpedFlow{Cookie: 0x45a8bb2ad4000000, Table: 0, Priority: 0, Duration: 2264 * time.Millisecond, Actions: "drop"},
		},
		{
			line: " cookie=0x0, duration=1s, table=0, n_packets=7, n_bytes=0, in_port=1 actions=NORMAL",
			want: dumpedFlow{Table: 0, Priority: 0x8000, Packets: 7, Duration: time.Second, Match: "in_port=1", Actions: "NORMAL"},
		},
	}
	for _, tt := range tests {
		got, err := parseFlowLine(tt.line)
		if err != nil {
			t.Fatalf("parseFlowLine(%q): %v", tt.line, err)
		}
		if got.Cookie != tt.want.Cookie || got.Table != tt.want.Table || got.Priority != tt.want.Priority ||
			got.Packets != tt.want.Packets || got.Duration != tt.want.Duration || got.Match != tt.want.Match || got.Actions != tt.want.Actions {
			t.Errorf("parseFlowLine(%q)\n got %+v\nwant %+v", tt.line, got, tt.want)
		}
	}
	if _, err := parseFlowLine("cookie=0x1, table=0 no actions here"); err == nil {
		t.Error("parseFlowLine accepted a line without actions")
	}
}

func TestLearnedMAC(t *testing.T) {
	tests := []struct {
		line    string
		want    macEntry
		wantErr bool
	}{
		{line: " cookie=0xc10000000000000a, duration=0.4s, table=30, n_packets=0, n_bytes=0, idle_timeout=300, priority=100,reg0=0xa/0xffffff,dl_dst=02:00:00:00:00:0a actions=load:0xa000001->NXM_NX_REG2[],load:0x2->NXM_NX_REG3[0..15]",
			want: macEntry{VNI: 10, MAC: "02:00:00:00:00:0a", VTEP: "10.0.0.1"}},
		{line: " cookie=0xc20000000000000a, duration=0.4s, table=30, n_packets=0, n_bytes=0, idle_timeout=300, priority=100,reg0=0xa/0xffffff,dl_dst=02:00:00:00:00:0b actions=load:0->NXM_NX_REG2[],load:0x1->NXM_NX_REG3[0..15]",
			want: macEntry{VNI: 10, MAC: "02:00:00:00:00:0b", VTEP: "local"}},
		// the cookie says VNI 10, the match VNI 11: refused
		{line: " cookie=0xc10000000000000a, duration=0.4s, table=30, n_packets=0, n_bytes=0, priority=100,reg0=0xb/0xffffff,dl_dst=02:00:00:00:00:0a actions=load:0xa000001->NXM_NX_REG2[]",
			wantErr: true},
		// learned-remote with no VTEP address: refused
		{line: " cookie=0xc10000000000000a, duration=0.4s, table=30, n_packets=0, n_bytes=0, priority=100,reg0=0xa/0xffffff,dl_dst=02:00:00:00:00:0a actions=load:0->NXM_NX_REG2[]",
			wantErr: true},
	}
	for _, tt := range tests {
		f, err := parseFlowLine(tt.line)
		if err != nil {
			t.Fatal(err)
		}
		got, err := learnedMAC(f)
		if (err != nil) != tt.wantErr {
			t.Fatalf("learnedMAC(%q): error %v, want error %v", tt.line, err, tt.wantErr)
		}
		if !tt.wantErr && got != tt.want {
			t.Errorf("learnedMAC(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}
