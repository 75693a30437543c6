package trace

import (
	"fmt"
	"testing"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/pipeline"
)

// unknownVLANTrace is ofproto/trace's output for a frame that hits the
// drop-unknown-vlan flow (as testdata/trace/unknown-vlan.txt, recorded on
// hv1 of labs/figure4.yaml), with the frame's VLAN and port as parameters.
const unknownVLANTrace = `Flow: in_port=%d,dl_vlan=%d,dl_vlan_pcp=0,vlan_tci1=0x0000,dl_src=02:00:00:00:00:0a,dl_dst=02:00:00:00:00:0b,dl_type=0x0000

bridge("br-int")
----------------
 0. priority 0, cookie 0x45a8bb2ad4000000
    drop

Final flow: unchanged
Megaflow: recirc_id=0,eth,in_port=%d,dl_vlan=%d,dl_type=0x0000
Datapath actions: drop
`

// TestExplainUnknownVLAN checks that a drop by drop-unknown-vlan says what
// is true: a trunk that does not carry a VLAN mapped to a VNI here is not
// "VLAN maps to no VNI".
func TestExplainUnknownVLAN(t *testing.T) {
	st := pipeline.State{
		Desired:    pipeline.Desired{Networks: []pipeline.Network{{VNI: 5001, VLAN: 100}, {VNI: 5002, VLAN: 200}}},
		TunnelPort: 9,
		Ports: []pipeline.Port{
			{Name: "t1", OFPort: 1, Trunks: []uint16{100}},
			{Name: "t2", OFPort: 2, Trunks: []uint16{100, 300}},
			{Name: "acc", OFPort: 3, Tag: 400},
			{Name: "acc2", OFPort: 4, Tag: 100},
			{Name: "plain", OFPort: 5},
		},
	}
	pi := NewPorts(st)
	const dropped = ": dropped (counted as drop-unknown-vlan)"
	tests := []struct {
		port string
		no   int
		vlan uint16
		want string
	}{
		{"t1", 1, 200, "port t1 does not carry VLAN 200 (trunk of VLAN 100), although VLAN 200 maps to VNI 5002 here" + dropped},
		{"t1", 1, 7, "port t1 does not carry VLAN 7 (trunk of VLAN 100), and VLAN 7 maps to no VNI here" + dropped},
		{"t2", 2, 300, "port t2 carries VLAN 300, but VLAN 300 maps to no VNI here" + dropped},
		{"t2", 2, 0, "port t2 is a trunk (VLANs 100, 300) and takes tagged frames only; this frame is untagged" + dropped},
		{"acc", 3, 0, "port acc is an access port of VLAN 400, and VLAN 400 maps to no VNI here" + dropped},
		{"acc2", 4, 100, "port acc2 is an access port of VLAN 100 and takes untagged frames only; this frame is tagged VLAN 100" + dropped},
		{"plain", 5, 200, "port plain has no tag and no trunks: it takes untagged frames only; this frame is tagged VLAN 200" + dropped},
		{"plain", 5, 0, "port plain has no tag and no trunks, and the frame is to no network's subnets" + dropped},
		{"gone", 6, 200, "port gone VLAN 200 matches no classify flow" + dropped},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.port, tt.vlan), func(t *testing.T) {
			res, err := ParseTrace(fmt.Sprintf(unknownVLANTrace, tt.no, tt.vlan, tt.no, tt.vlan))
			if err != nil {
				t.Fatal(err)
			}
			req := api.TraceRequest{InPort: tt.port, VLAN: tt.vlan, DlSrc: "02:00:00:00:00:0a", DlDst: "02:00:00:00:00:0b"}
			Explain(&res, Context{Overlay: "br-int", Underlay: "br-phy", Ports: pi, Request: req})
			if len(res.Steps) != 1 || res.Steps[0].Feature != "drop-unknown-vlan" {
				t.Fatalf("steps = %+v, want one drop-unknown-vlan step", res.Steps)
			}
			if got := res.Steps[0].Explain; got != tt.want {
				t.Errorf("explain = %q\nwant      %q", got, tt.want)
			}
			if res.Verdict != "dropped in table classify by drop-unknown-vlan" {
				t.Errorf("verdict = %q", res.Verdict)
			}
		})
	}
	// The port may be named by its OpenFlow number.
	if got := explainUnknownVLAN(api.TraceRequest{InPort: "1", VLAN: 200}, pi); got != tests[0].want {
		t.Errorf("by port number: %q, want %q", got, tests[0].want)
	}
}
