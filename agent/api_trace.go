package agent

import (
	"context"
	"fmt"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/trace"
)

// GET /v1/trace: one packet through the pipeline. vtepd builds the packet
// in OVS's flow syntax from the operator's terms (port and VLAN, or VNI and
// sending VTEP), runs ovs-vswitchd's ofproto/trace through its control
// socket (the trace never changes the switch: OVS suppresses the learn
// side effects), parses the per-table output and explains each step with
// the table's name, the cookie's feature and VNI, and the learned entry
// it hit.

// Trace traces one packet through the overlay bridge.
func (a *Agent) Trace(ctx context.Context, r api.TraceRequest) (api.TraceResult, error) {
	cfg := a.config()
	_, st, _ := a.Snapshot()
	pi := trace.NewPorts(st)
	flow, err := trace.Flow(r, pi, cfg.Underlay.LocalIP.Addr().String())
	if err != nil {
		return api.TraceResult{}, err
	}
	if a.unixctl == nil {
		return api.TraceResult{}, fmt.Errorf("trace: vtepd has no ovs-vswitchd control socket")
	}
	out, err := a.unixctl.Call(ctx, "ofproto/trace", cfg.Bridge, flow)
	if err != nil {
		return api.TraceResult{}, fmt.Errorf("trace %s: %w", flow, err)
	}
	res, err := trace.ParseTrace(out)
	if err != nil {
		return res, err
	}
	res.Request, res.Bridge, res.Flow = r, cfg.Bridge, flow
	tc := trace.Context{Overlay: cfg.Bridge, Underlay: cfg.Underlay.Bridge, Ports: pi, Request: r}
	trace.Explain(&res, tc)
	return res, nil
}
