package agent

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vtep/vtep/agent/agenttest"
	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// serveAPI serves the rig's local API on a unix socket until the test
// ends and returns a client of it.
func serveAPI(t *testing.T, r *rig) *api.Client {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "api.sock")
	cfg := *r.a.config()
	cfg.API.Listen = "unix:" + sock
	r.a.cfg = &cfg
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.a.ServeAPI(ctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("ServeAPI: %v", err)
		}
	})
	c := api.NewClient(cfg.API.Listen)
	// ServeAPI says nothing once it listens: poll for the socket.
	waitFor(t, "the local API answering", func() bool {
		_, _, err := c.Probe(ctx, "/healthz")
		return err == nil
	})
	return c
}

// reg3 loads a learned entry's port into reg3[0..15].
func reg3(port uint64) ofapp.Action {
	return ofapp.RegLoad{Dst: ofapp.Bits(ofapp.FieldReg(3), 0, 16), Value: port}
}

// TestLocalAPI reads every endpoint of the local API of a converged rig
// whose overlay bridge has learned MACs and a stale flow.
func TestLocalAPI(t *testing.T) {
	r := newRig(t, rigConfig)
	r.mustConverge(t)
	_, _, res := r.a.Snapshot()
	replaced := res.Overlay[0]
	replaced.Cookie = uint64(pipeline.Cookie(replaced.Cookie).WithDigest(0xdead))
	stale := ofapp.Flow{Table: pipeline.TableFlood, Priority: 7, Cookie: uint64(pipeline.NewCookie(pipeline.FeatureFlood, 99).WithDigest(1)),
		Match: ofapp.Match{ofapp.MatchReg(0, 99, 0xffffff)}}
	r.over.Install(replaced, stale,
		learned(pipeline.FeatureLearnedRemote, 10, "02:00:00:00:00:0b", setFieldReg(2, 0x0a000002), reg3(ofTunnel)).Flow,
		learned(pipeline.FeatureLearnedRemote, 20, "02:00:00:00:00:0c", setFieldReg(2, 0x0a0000fe), reg3(ofTunnel)).Flow,
		learned(pipeline.FeatureLearnedLocal, 10, "02:00:00:00:00:0a", setFieldReg(2, 0), reg3(ofVM1)).Flow)
	if _, err := r.ovs.Call(context.Background(), "tnl/neigh/set", "br-phy", "10.0.0.2", "02:00:00:00:01:02"); err != nil {
		t.Fatal(err)
	}
	c := serveAPI(t, r)
	ctx := context.Background()

	st, err := c.Status(ctx)
	if err != nil || !st.Ready || !st.OverlayConnected || !st.UnderlayConnected || len(st.Ports) != 2 ||
		strings.Join(st.GroupsJoined, ",") != "239.1.1.1,239.1.1.2" || !st.Health.Healthy {
		t.Errorf("status = %+v, %v", st, err)
	}
	macs, err := c.MACs(ctx, 10)
	if err != nil || len(macs) != 2 || macs[0].MAC != "02:00:00:00:00:0a" || macs[0].Port != "vm1" || macs[0].VLAN != 1 ||
		macs[1].VTEP != "10.0.0.2" || macs[1].Port != TunnelPortName {
		t.Errorf("MACs of VNI 10 = %+v, %v", macs, err)
	}
	flows, err := c.Flows(ctx, api.FlowQuery{Role: api.BridgeOverlay, Table: int(pipeline.TableMAC), VNI: 20})
	if err != nil || len(flows) != 1 || flows[0].Feature != "learned-remote" || flows[0].TableName != "mac" {
		t.Errorf("flows of table mac, VNI 20 = %+v, %v", flows, err)
	}
	diffs, err := c.FlowDiff(ctx, "")
	if err != nil || len(diffs) != 2 {
		t.Fatalf("flow diff = %+v, %v", diffs, err)
	}
	var ops []string
	for _, ch := range diffs[0].Changes {
		ops = append(ops, ch.Op)
	}
	if got := strings.Join(ops, ","); got != "delete,replace" || len(diffs[1].Changes) != 0 || diffs[1].NotChecked != "" {
		t.Errorf("diff: overlay %q (want delete,replace), underlay %+v", got, diffs[1])
	}
	var remotes []api.RemoteVTEP
	if err := c.Get(ctx, "/v1/remotes", &remotes); err != nil || len(remotes) != 2 ||
		!remotes[0].Resolved || remotes[0].IP != "10.0.0.2" || remotes[1].Skipped == "" {
		t.Errorf("remotes = %+v, %v; want 10.0.0.2 resolved, the placeholder 10.0.0.254 skipped", remotes, err)
	}
	if code, body, err := c.Probe(ctx, "/readyz"); err != nil || code != 200 || !strings.Contains(body, `"healthy": true`) {
		t.Errorf("/readyz = %d %q, %v", code, body, err)
	}
}

// TestLocalAPIErrors: a bad parameter is the request's fault (400), an
// unreadable bridge vtepd's (503), and /readyz fails while unhealthy.
func TestLocalAPIErrors(t *testing.T) {
	r := newRig(t, rigConfig)
	c := serveAPI(t, r)
	ctx := context.Background()
	if code, body, _ := c.Probe(ctx, "/readyz"); code != 503 || !strings.Contains(body, "not programmed yet") {
		t.Errorf("/readyz before a reconcile = %d %q, want 503", code, body)
	}
	diffs, err := c.FlowDiff(ctx, api.BridgeOverlay)
	if err != nil || len(diffs) != 1 || diffs[0].NotChecked != "vtepd has not completed a reconcile yet" {
		t.Errorf("diff before a reconcile = %+v, %v", diffs, err)
	}
	r.mustConverge(t)
	r.switches.connect(true, false)
	tests := []struct{ path, want string }{
		{"/v1/flows?vni=0", "400 Bad Request"},
		{"/v1/flows/diff?bridge=br-int", "400 Bad Request"},
		{"/v1/macs?table=300", "400 Bad Request"},
		{"/v1/trace?in_port=vm9", "400 Bad Request"},
		{"/v1/flows", "503 Service Unavailable: underlay bridge br-phy is not connected"},
	}
	for _, tt := range tests {
		var v any
		if err := c.Get(ctx, tt.path, &v); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("GET %s: err = %v, want %q", tt.path, err, tt.want)
		}
	}
	diffs, err = c.FlowDiff(ctx, api.BridgeUnderlay)
	if err != nil || len(diffs) != 1 || !strings.Contains(diffs[0].NotChecked, "not connected") {
		t.Errorf("diff of a disconnected bridge = %+v, %v", diffs, err)
	}
	r.over.Fail(agenttest.OpFlows, errBoom)
	if _, err := r.a.MACs(ctx, 0); err == nil || !strings.Contains(err.Error(), "read learned flows") {
		t.Errorf("MACs of an unreadable bridge: err = %v", err)
	}
}

// TestTraceThroughTheAPI: a trace runs ofproto/trace on the overlay bridge
// with the packet built from the operator's terms, and explains the answer.
func TestTraceThroughTheAPI(t *testing.T) {
	r := newRig(t, rigConfig)
	r.mustConverge(t)
	out, err := os.ReadFile("../trace/testdata/trace/flood.txt")
	if err != nil {
		t.Fatal(err)
	}
	r.ovs.SetTrace(string(out))
	res, err := r.a.Trace(context.Background(), api.TraceRequest{InPort: "vm2", VLAN: 1, DlSrc: "02:00:00:00:00:0b", DlDst: "ff:ff:ff:ff:ff:ff"})
	if err != nil {
		t.Fatal(err)
	}
	calls := r.ovs.Calls()
	last := calls[len(calls)-1]
	if last.Command != "ofproto/trace" || len(last.Args) != 2 || last.Args[0] != "br-int" || !strings.Contains(last.Args[1], "in_port=3") {
		t.Errorf("trace ran %s, want ofproto/trace br-int with in_port=3", last)
	}
	if res.Bridge != "br-int" || len(res.Steps) == 0 || res.Steps[0].TableName == "" {
		t.Errorf("trace result = %+v, want explained steps", res)
	}
	r.ovs.SetTrace("")
	if _, err := r.a.Trace(context.Background(), api.TraceRequest{InPort: "vm2", VLAN: 1}); err == nil {
		t.Errorf("a trace OVS refused succeeded")
	}
}

// TestNoSwitchesYet: before Run wires anything, every reader says vtepd is
// not running instead of failing obscurely.
func TestNoSwitchesYet(t *testing.T) {
	a := New(mustConfig(t, rigConfig), nil)
	ctx := context.Background()
	if _, err := a.Flows(ctx, api.FlowQuery{Table: -1}); err == nil || !strings.Contains(err.Error(), "not running its controller") {
		t.Errorf("Flows: err = %v", err)
	}
	if _, err := a.RemoteVTEPs(ctx); err == nil {
		t.Errorf("RemoteVTEPs without vswitchd succeeded")
	}
	if _, err := a.Trace(ctx, api.TraceRequest{InPort: "vm1"}); err == nil {
		t.Errorf("Trace without vswitchd succeeded")
	}
	if _, err := a.ControllerStatus(ctx); err == nil {
		t.Errorf("ControllerStatus without OVSDB succeeded")
	}
	c := controllerSwitches{a}
	if _, ok := c.Overlay(); ok {
		t.Errorf("overlay connected without a controller")
	}
	if _, ok := c.Underlay(); ok {
		t.Errorf("underlay connected without a session")
	}
	if _, _, err := a.switchFor("nonsense"); err == nil {
		t.Errorf("switchFor(nonsense) succeeded")
	}
	if _, err := a.Reconcile(ctx); err != errNotStarted {
		t.Errorf("Reconcile before Run: %v, want errNotStarted", err)
	}
}
