package trace

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/pipeline"
)

// samplePorts is hv1 of labs/figure4.yaml, where the samples in
// testdata/trace were recorded: VM a on port 1 (trunk, VLAN 1 -> VNI 10),
// the tunnel on port 2.
func samplePorts() Ports {
	st := pipeline.State{Desired: pipeline.Desired{Networks: []pipeline.Network{{VNI: 10, VLAN: 1}}},
		TunnelPort: 2, Ports: []pipeline.Port{{Name: "a", OFPort: 1, Trunks: []uint16{1}}}}
	return NewPorts(st)
}

func TestParseAndExplainTrace(t *testing.T) {
	local := api.TraceRequest{InPort: "a", VLAN: 1, DlSrc: "02:00:00:00:00:0a", DlDst: "02:00:00:00:00:0b", NwDst: "192.168.10.2"}
	tests := []struct {
		file        string
		req         api.TraceRequest
		wantVerdict string
		wantSteps   []string // "TABLE_NAME FEATURE: explanation", in order
	}{
		{"known.txt", local, "to VTEP 10.0.0.2 (VNI 10)", []string{
			"classify classify-vlan: from port a VLAN 1 -> VNI 10",
			"local-in learn-local: learn 02:00:00:00:00:0a in VNI 10 on port a (a trace does not change the MAC table)",
			"mac learned-remote: MAC table hit: 02:00:00:00:00:0b in VNI 10 is behind VTEP 10.0.0.2",
			"egress egress-tunnel: known remote destination: to VTEP 10.0.0.2 with VNI 10",
			"underlay underlay-normal: underlay bridge br-phy switches the outer packet normally",
		}},
		{"flood.txt", api.TraceRequest{InPort: "a", VLAN: 1, DlSrc: "02:00:00:00:00:0a", NwDst: "192.168.10.2", Proto: "arp"},
			"flooded to group 239.1.1.1 (VNI 10)", []string{
				"classify classify-vlan: from port a VLAN 1 -> VNI 10",
				"local-in learn-local: learn 02:00:00:00:00:0a in VNI 10 on port a (a trace does not change the MAC table)",
				"mac mac-miss: MAC table miss: ff:ff:ff:ff:ff:ff is unknown in VNI 10",
				"egress egress-miss: ff:ff:ff:ff:ff:ff is a broadcast/multicast destination: flood",
				"flood flood: flood VNI 10 from a local port: to the VNI's other local ports and the other VTEPs: group 239.1.1.1 (VNI 10)",
				"underlay underlay-normal: underlay bridge br-phy switches the outer packet normally",
			}},
		{"tunnel.txt", api.TraceRequest{VNI: 10, TunSrc: "10.0.0.2", DlSrc: "02:00:00:00:00:0b", DlDst: "02:00:00:00:00:0a"},
			"to port a (VLAN 1)", []string{
				"classify classify-tunnel: from the tunnel: VNI 10, sent by VTEP 10.0.0.2",
				"tunnel-in learn-remote: learn 02:00:00:00:00:0b in VNI 10 behind VTEP 10.0.0.2 (a trace does not change the MAC table)",
				"mac learned-local: MAC table hit: 02:00:00:00:00:0a in VNI 10 is on local port a",
				"egress egress: known local destination: to port a with VLAN 1",
			}},
		{"unknown-vni.txt", api.TraceRequest{VNI: 99, TunSrc: "10.0.0.2", DlSrc: "02:00:00:00:00:0b", DlDst: "02:00:00:00:00:0a"},
			"dropped in table classify by drop-unknown-vni", []string{
				"classify drop-unknown-vni: from the tunnel with VNI 99, which no network here has: dropped (counted as drop-unknown-vni)",
			}},
		{"untrusted-vtep.txt", api.TraceRequest{VNI: 10, TunSrc: "10.0.0.66", DlSrc: "02:00:00:00:00:0b", DlDst: "02:00:00:00:00:0a"},
			"dropped in table classify by drop-untrusted-vtep", []string{
				"classify drop-untrusted-vtep: from the tunnel, sent by 10.0.0.66, which is no trusted VTEP (underlay.trusted_vteps): dropped before learning (counted as drop-untrusted-vtep)",
			}},
		{"invalid-source.txt", api.TraceRequest{InPort: "a", VLAN: 1, DlSrc: "00:00:00:00:00:00", DlDst: "ff:ff:ff:ff:ff:ff"},
			"dropped in table classify by drop-invalid-source", []string{
				"classify drop-invalid-source: source 00:00:00:00:00:00 is a multicast, broadcast or all-zero MAC, which no station sends from: dropped, never learned (counted as drop-invalid-source)",
			}},
		{"unknown-vlan.txt", api.TraceRequest{InPort: "a", VLAN: 7, DlSrc: "02:00:00:00:00:0a", DlDst: "02:00:00:00:00:0b"},
			"dropped in table classify by drop-unknown-vlan", []string{
				"classify drop-unknown-vlan: port a does not carry VLAN 7 (trunk of VLAN 1), and VLAN 7 maps to no VNI here: dropped (counted as drop-unknown-vlan)",
			}},
	}
	tests = append(tests, arpSuppressionTraces()...)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "trace", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			res, err := ParseTrace(string(b))
			if err != nil {
				t.Fatal(err)
			}
			Explain(&res, Context{Overlay: "br-int", Underlay: "br-phy", Ports: samplePorts(), Request: tt.req})
			if res.Verdict != tt.wantVerdict {
				t.Errorf("verdict = %q, want %q", res.Verdict, tt.wantVerdict)
			}
			var got []string
			for _, st := range res.Steps {
				got = append(got, st.TableName+" "+st.Feature+": "+st.Explain)
			}
			if strings.Join(got, "\n") != strings.Join(tt.wantSteps, "\n") {
				t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.wantSteps, "\n"))
			}
			if res.DatapathActions == "" || res.Megaflow == "" {
				t.Errorf("datapath actions %q / megaflow %q not parsed", res.DatapathActions, res.Megaflow)
			}
		})
	}
}

func TestParseTraceStructure(t *testing.T) {
	b, err := os.ReadFile("testdata/trace/known.txt")
	if err != nil {
		t.Fatal(err)
	}
	res, err := ParseTrace(string(b))
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		bridge        string
		depth         int
		table         uint8
		prio          int
		cookie, match string
		actions       int
	}
	want := []step{
		{"br-int", 0, 0, 100, "0x42a0474d4d00000a", "in_port=1,dl_vlan=1", 3},
		{"br-int", 0, 20, 100, "0x47d4450a3700000a", "reg0=0xa/0xffffff,dl_src=00:00:00:00:00:00/01:00:00:00:00:00", 3},
		{"br-int", 1, 30, 100, "0xc10000000000000a", "reg0=0xa/0xffffff,dl_dst=02:00:00:00:00:0b", 2},
		{"br-int", 0, 40, 100, "0x4b7b79b93b000000", "reg3=0x2/0xffff", 3},
		{"br-phy", 0, 0, 0, "0x50f75ea944000000", "", 1},
	}
	if len(res.Steps) != len(want) {
		t.Fatalf("got %d steps, want %d: %+v", len(res.Steps), len(want), res.Steps)
	}
	for i, w := range want {
		s := res.Steps[i]
		got := step{s.Bridge, s.Depth, s.Table, s.Priority, s.Cookie, s.Match, len(s.Actions)}
		if got != w {
			t.Errorf("step %d = %+v, want %+v", i, got, w)
		}
	}
	// "goto_table:40" after the resubmitted lookup belongs to table 20 again
	if a := res.Steps[1].Actions; a[len(a)-1].Action != "goto_table:40" || a[1].Action != "resubmit(,30)" {
		t.Errorf("table 20 actions = %+v", a)
	}
	if n := res.Steps[3].Actions[0].Notes; len(n) != 1 || n[0] != "NXM_NX_TUN_IPV4_DST[] is now 10.0.0.2" {
		t.Errorf("move notes = %q", n)
	}
	if !res.Steps[2].Learned || res.Steps[2].VNI != 10 || res.Steps[2].Feature != "learned-remote" {
		t.Errorf("learned step cookie not decoded: %+v", res.Steps[2])
	}
}

func TestParseTraceErrors(t *testing.T) {
	for _, in := range []string{"", "ovs-vswitchd: no bridge named br-x\n", " 0. in_port=1, priority x, cookie 0x1\n", " 0. priority 1, cookie 0xzz\n"} {
		if _, err := ParseTrace(in); err == nil {
			t.Errorf("ParseTrace(%q) = nil error", in)
		}
	}
}

func TestTraceRequestAndFlow(t *testing.T) {
	tests := []struct {
		name    string
		params  string
		want    string // flow, or error text
		wantErr bool
	}{
		{"local icmp", "in_port=a&vlan=1&dl_src=02:00:00:00:00:0A&dl_dst=02:00:00:00:00:0b&nw_src=192.168.10.1&nw_dst=192.168.10.2",
			"in_port=1,dl_vlan=1,dl_src=02:00:00:00:00:0a,dl_dst=02:00:00:00:00:0b,icmp,nw_dst=192.168.10.2,nw_src=192.168.10.1", false},
		{"local arp broadcast", "in_port=1&dl_src=02:00:00:00:00:0a&nw_dst=192.168.10.2&proto=arp",
			"in_port=1,dl_src=02:00:00:00:00:0a,dl_dst=ff:ff:ff:ff:ff:ff,arp,arp_op=1,arp_tpa=192.168.10.2,arp_sha=02:00:00:00:00:0a", false},
		{"tunnel", "vni=10&tun_src=10.0.0.2&dl_src=02:00:00:00:00:0b&dl_dst=02:00:00:00:00:0a",
			"in_port=2,tun_id=10,tun_src=10.0.0.2,tun_dst=10.0.0.1,dl_src=02:00:00:00:00:0b,dl_dst=02:00:00:00:00:0a", false},
		{"unknown port", "in_port=zz&dl_src=02:00:00:00:00:0a", `in_port "zz": not a VM port vtepd knows (ports: a)`, true},
		{"both", "in_port=a&vni=10&tun_src=10.0.0.2&dl_src=02:00:00:00:00:0a", `in_port "a" with vni/tun_src`, true},
		{"neither", "dl_src=02:00:00:00:00:0a", "in_port is empty", true},
		{"bad mac", "in_port=a&dl_src=02:00", `dl_src "02:00": not a MAC address`, true},
		{"bad vlan", "in_port=a&vlan=4095&dl_src=02:00:00:00:00:0a", `vlan "4095": want 1..4094`, true},
		{"bad vni", "vni=0&tun_src=10.0.0.2&dl_src=02:00:00:00:00:0a", `vni "0": want 1..16777215`, true},
		{"bad tun_src", "vni=10&tun_src=x&dl_src=02:00:00:00:00:0a", `tun_src "x": not an IPv4 address`, true},
		{"bad proto", "in_port=a&dl_src=02:00:00:00:00:0a&nw_dst=1.2.3.4&proto=sctp", `proto "sctp"`, true},
		{"proto without ip", "in_port=a&dl_src=02:00:00:00:00:0a&proto=arp", `proto "arp": needs nw_dst`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := url.ParseQuery(tt.params)
			if err != nil {
				t.Fatal(err)
			}
			got, err := "", error(nil)
			r, err := api.ParseTraceRequest(v)
			if err == nil {
				got, err = Flow(r, samplePorts(), "10.0.0.1")
			}
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error = %v, want one containing %q", err, tt.want)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("flow = %q, %v; want %q", got, err, tt.want)
			}
			// the request survives the trip through URL parameters
			back, err := api.ParseTraceRequest(r.Values())
			if err != nil || back != r {
				t.Errorf("round trip = %+v, %v; want %+v", back, err, r)
			}
		})
	}
}
