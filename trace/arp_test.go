package trace

import (
	"testing"

	"github.com/vtep/vtep/api"
)

// arpSuppressionTraces are the samples of hv1 of labs/figure4.yaml with
// arp_suppression: learned, once B's binding was learned: A's ARP request
// for B is answered by the responder, one for an unknown IP floods.
func arpSuppressionTraces() []struct {
	file        string
	req         api.TraceRequest
	wantVerdict string
	wantSteps   []string
} {
	req := func(target string) api.TraceRequest {
		return api.TraceRequest{InPort: "a", VLAN: 1, DlSrc: "02:00:00:00:00:0a", NwSrc: "192.168.10.1", NwDst: target, Proto: "arp"}
	}
	return []struct {
		file        string
		req         api.TraceRequest
		wantVerdict string
		wantSteps   []string
	}{
		{"arp-reply.txt", req("192.168.10.2"), "answered by this VTEP (ARP suppression): reply to port a (VLAN 1)", []string{
			"classify classify-vlan: from port a VLAN 1 -> VNI 10",
			"local-in learn-local: learn 02:00:00:00:00:0a in VNI 10 on port a (a trace does not change the MAC table)",
			"mac mac-miss: MAC table miss: ff:ff:ff:ff:ff:ff is unknown in VNI 10",
			"neigh-learn neigh-learn: learn the ARP sender's binding 192.168.10.1 -> 02:00:00:00:00:0a in VNI 10 (a trace does not change the table)",
			"egress arp-lookup: ARP request from a local port, VNI 10 suppresses ARP: look up 192.168.10.2's binding",
			"neigh learned-neigh: binding hit: 192.168.10.2 is at 02:00:00:00:00:0b in VNI 10 (learned from its ARP)",
			"arp-responder arp-reply: ARP suppression: this VTEP answers that 192.168.10.2 is at 02:00:00:00:00:0b, back to port a (VLAN 1); the request is not flooded (counted as arp-reply)",
		}},
		{"arp-flood.txt", req("192.168.10.77"), "flooded to group 239.1.1.1 (VNI 10)", []string{
			"classify classify-vlan: from port a VLAN 1 -> VNI 10",
			"local-in learn-local: learn 02:00:00:00:00:0a in VNI 10 on port a (a trace does not change the MAC table)",
			"mac mac-miss: MAC table miss: ff:ff:ff:ff:ff:ff is unknown in VNI 10",
			"neigh-learn neigh-learn: learn the ARP sender's binding 192.168.10.1 -> 02:00:00:00:00:0a in VNI 10 (a trace does not change the table)",
			"egress arp-lookup: ARP request from a local port, VNI 10 suppresses ARP: look up 192.168.10.77's binding",
			"neigh neigh-miss: no binding for 192.168.10.77 in VNI 10",
			"arp-responder arp-flood: no binding for 192.168.10.77: the request floods (counted as arp-flood)",
			"flood flood: flood VNI 10 from a local port: to the VNI's other local ports and the other VTEPs: group 239.1.1.1 (VNI 10)",
			"underlay underlay-normal: underlay bridge br-phy switches the outer packet normally",
		}},
	}
}

func TestExplainNDSteps(t *testing.T) {
	s := traceState{vni: 10, reg4: 0x0b, reg5: 0x0200}
	for feat, want := range map[string]string{
		"nd-lookup":    "neighbour solicitation from a local port, VNI 10 suppresses ND: look up its target's binding",
		"nd-no-answer": "solicitation without a source link-layer option (duplicate address detection): not answered",
		"nd-reply":     "ND suppression: the solicitation becomes this VTEP's advertisement (the target is at 02:00:00:00:00:0b); not flooded (counted as nd-reply)",
		"nd-advert":    "the advertisement's target link-layer address set, back to the input port",
	} {
		got, ok := explainND(&api.TraceStep{Feature: feat}, s)
		if !ok || got != want {
			t.Errorf("%s: %q, want %q", feat, got, want)
		}
	}
	if _, ok := explainND(&api.TraceStep{Feature: "flood"}, s); ok {
		t.Errorf("flood explained as an ND step")
	}
}
