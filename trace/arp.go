package trace

import (
	"fmt"
	"net"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/pipeline"
)

// explainARP explains the steps of ARP suppression (pipeline's neigh.go
// and arpresponder.go): learning the sender's binding, looking the target
// up, and answering or flooding; ok is false for other steps.
func explainARP(st *api.TraceStep, s traceState, tc Context, outs []api.TraceOutput) (string, bool) {
	r := tc.Request
	switch st.Feature {
	case pipeline.FeatureNeighLearn.String():
		return fmt.Sprintf("learn the ARP sender's binding %s -> %s in VNI %d (a trace does not change the table)", r.NwSrc, r.DlSrc, s.vni), true
	case pipeline.FeatureNeighNoLearn.String():
		return "ARP sender not learned: a probe (sender IP 0.0.0.0), an invalid sender MAC, or not an ARP frame", true
	case pipeline.FeatureARPLookup.String():
		return fmt.Sprintf("ARP request from a local port, VNI %d suppresses ARP: look up %s's binding", s.vni, r.NwDst), true
	case pipeline.FeatureLearnedNeigh.String():
		return fmt.Sprintf("binding hit: %s is at %s in VNI %d (learned from its ARP)", r.NwDst, s.neighMAC(), st.VNI), true
	case pipeline.FeatureNeighStatic.String():
		return fmt.Sprintf("binding hit: %s is at %s in VNI %d (static)", r.NwDst, s.neighMAC(), st.VNI), true
	case pipeline.FeatureNeighGratuitous.String(), pipeline.FeatureLearnedNeighGratuitous.String():
		return fmt.Sprintf("gratuitous ARP for %s: not answered, it floods so that every VTEP learns the binding", r.NwDst), true
	case pipeline.FeatureNeighMiss.String():
		return fmt.Sprintf("no binding for %s in VNI %d", r.NwDst, s.vni), true
	case pipeline.FeatureARPReply.String():
		to := "the input port"
		if len(outs) > 0 {
			to = outs[len(outs)-1].String()
		}
		return fmt.Sprintf("ARP suppression: this VTEP answers that %s is at %s, back to %s; the request is not flooded (counted as arp-reply)", r.NwDst, s.neighMAC(), to), true
	case pipeline.FeatureARPFlood.String():
		return fmt.Sprintf("no binding for %s: the request floods (counted as arp-flood)", r.NwDst), true
	}
	return explainND(st, s)
}

// explainND explains the steps of ND suppression (pipeline's nd.go).
func explainND(st *api.TraceStep, s traceState) (string, bool) {
	switch st.Feature {
	case pipeline.FeatureNDLookup.String():
		return fmt.Sprintf("neighbour solicitation from a local port, VNI %d suppresses ND: look up its target's binding", s.vni), true
	case pipeline.FeatureNDNoAnswer.String():
		return "solicitation without a source link-layer option (duplicate address detection): not answered", true
	case pipeline.FeatureNDReply.String():
		return fmt.Sprintf("ND suppression: the solicitation becomes this VTEP's advertisement (the target is at %s); not flooded (counted as nd-reply)", s.neighMAC()), true
	case pipeline.FeatureNDAdvert.String():
		return "the advertisement's target link-layer address set, back to the input port", true
	}
	return "", false
}

// neighMAC is the MAC the binding loaded into reg4 and reg5.
func (s traceState) neighMAC() string {
	v := uint64(s.reg5&0xffff)<<32 | uint64(s.reg4)
	return net.HardwareAddr{byte(v >> 40), byte(v >> 32), byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}.String()
}

// inPortOutput is the copy an IN_PORT action sends back to the request's
// input port (the ARP responder's reply).
func inPortOutput(s traceState, tc Context) (api.TraceOutput, bool) {
	p, ok := tc.Ports.ByName(tc.Request.InPort)
	if !ok {
		return api.TraceOutput{}, false
	}
	return api.TraceOutput{Port: p.OFPort, PortName: p.Name, VLAN: s.vlan}, true
}

// answered reports whether the ARP responder answered the request.
func answered(res *api.TraceResult) bool {
	for _, st := range res.Steps {
		if st.Feature == pipeline.FeatureARPReply.String() || st.Feature == pipeline.FeatureNDReply.String() {
			return true
		}
	}
	return false
}
