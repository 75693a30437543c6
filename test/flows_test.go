package test

import (
	"fmt"
	"sort"
	"testing"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// dumpedFlow is one line of `ovs-ofctl dump-flows`, read independently of
// vtepd: what OVS itself reports.
type dumpedFlow = labs.Flow

// parseFlows reads a whole dump, skipping the reply header.
func parseFlows(out string) ([]dumpedFlow, error) { return labs.ParseFlows(out) }

// parseFlowLine reads one flow line of `ovs-ofctl -O OpenFlow13 dump-flows`.
func parseFlowLine(line string) (dumpedFlow, error) { return labs.ParseFlowLine(line) }

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

// macEntry is one learned MAC as vtepctl macs shows it: MAC, VNI and the VTEP
// behind which it sits ("local" for a MAC on a local port).
type macEntry struct {
	VNI  uint32
	MAC  string
	VTEP string
}

func (e macEntry) String() string { return fmt.Sprintf("%s vni=%d @%s", e.MAC, e.VNI, e.VTEP) }

// learnedMAC decodes a learned flow of table 30 from OVS's own text with
// pipeline.DecodeLearned: the cookie's feature and VNI, reg0 = VNI, dl_dst =
// MAC, and the load of the remote VTEP's address into reg2 (0 for a local
// MAC). It checks that the places that carry the VNI agree.
func learnedMAC(f dumpedFlow) (macEntry, error) {
	if f.Table != int(pipeline.TableMAC) {
		return macEntry{}, fmt.Errorf("not a learned MAC: %s", f.Key())
	}
	l, err := pipeline.DecodeLearned(f.Learned())
	if err != nil {
		return macEntry{}, fmt.Errorf("%s: %w", f.Key(), err)
	}
	e := macEntry{VNI: l.VNI, MAC: l.MAC.String(), VTEP: "local"}
	if l.Remote {
		e.VTEP = l.VTEP.String()
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
