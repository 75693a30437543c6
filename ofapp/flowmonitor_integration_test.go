package ofapp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/ofapp"
)

// nextUpdate waits for the monitor's next update.
func nextUpdate(t *testing.T, ch <-chan ofapp.FlowUpdate) ofapp.FlowUpdate {
	t.Helper()
	select {
	case u := <-ch:
		return u
	case <-time.After(10 * time.Second):
		t.Fatal("no flow update within 10s")
	}
	return ofapp.FlowUpdate{}
}

// TestIntegrationFlowMonitor: a monitor of table 30 on real OVS reports the
// flow there at the start, then another connection's add, modify and
// delete (ovs-ofctl), and the flows a learn action makes, decoded into the
// flow model; flows of other tables are not reported.
func TestIntegrationFlowMonitor(t *testing.T) {
	l, sw := newLab(t, ofapp.Config{})
	l.ofctl(t, "add-flow", "table=30,priority=5,cookie=0x11,reg0=10,actions=load:0x2->NXM_NX_REG3[0..15]")
	ch := make(chan ofapp.FlowUpdate, 64)
	ctx, cancel := context.WithCancel(ctxT(t))
	done := make(chan error, 1)
	go func() { done <- sw.MonitorFlows(ctx, 30, func(u ofapp.FlowUpdate) { ch <- u }) }()

	u := nextUpdate(t, ch)
	if u.Event != ofapp.FlowAdded || u.Flow.Table != 30 || u.Flow.Priority != 5 || u.Flow.Cookie != 0x11 {
		t.Fatalf("initial update %+v, want the flow of table 30 as added", u)
	}
	if got := u.Flow.Match.String(); got != "reg0=0xa" {
		t.Errorf("initial match %q, want reg0=0xa", got)
	}
	l.ofctl(t, "add-flow", "table=10,priority=1,actions=drop") // another table: not reported
	l.ofctl(t, "add-flow", "table=30,priority=6,cookie=0x12,dl_dst=02:00:00:00:00:0b,actions=load:0x3->NXM_NX_REG3[0..15]")
	if u := nextUpdate(t, ch); u.Event != ofapp.FlowAdded || u.Flow.Cookie != 0x12 || len(u.Flow.Actions) != 1 {
		t.Errorf("add: %+v, want cookie 0x12 with its action", u)
	}
	l.ofctl(t, "mod-flows", "table=30,cookie=0x12/-1,actions=load:0x4->NXM_NX_REG3[0..15]")
	if u := nextUpdate(t, ch); u.Event != ofapp.FlowModified || u.Flow.Cookie != 0x12 || u.Flow.Actions[0].String() != "load:0x4->NXM_NX_REG3[0..15]" {
		t.Errorf("modify: %+v, want cookie 0x12 loading 0x4", u)
	}
	l.ofctl(t, "del-flows", "table=30,cookie=0x12/-1")
	if u := nextUpdate(t, ch); u.Event != ofapp.FlowDeleted || u.Flow.Cookie != 0x12 {
		t.Errorf("delete: %+v, want cookie 0x12 deleted", u)
	}
	// A learn action's flow (the way vtep's MAC table fills) is reported
	// late: OVS 3.1 queues the report of a flow learned on the monitored
	// bridge and sends it only with the next flow table change that flushes
	// the queue (ofproto_flow_mod_learn_finish flushes only when learning
	// into another bridge). Here that change is a flow added to table 10.
	l.ofctl(t, "add-flow", "table=0,priority=1,actions=learn(table=30,priority=7,cookie=0x13,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[])")
	l.ofctl(t, "packet-out", "LOCAL", "resubmit(,0)", "020000000002020000000001080045000014000000004001f96a0a0000010a0000020000")
	if !strings.Contains(l.ofctl(t, "dump-flows", "table=30"), "cookie=0x13") {
		t.Fatal("the packet-out learned nothing")
	}
	select {
	case u := <-ch:
		t.Logf("OVS reported the learned flow at once: %+v", u)
	case <-time.After(time.Second):
		l.ofctl(t, "add-flow", "table=10,priority=2,actions=drop")
		u := nextUpdate(t, ch)
		if u.Event != ofapp.FlowAdded || u.Flow.Cookie != 0x13 || u.Flow.Match.String() != "dl_dst=02:00:00:00:00:01" {
			t.Errorf("learned: %+v, want the learned flow of 02:00:00:00:00:01", u)
		}
		t.Log("OVS reported the learned flow only with the next flow_mod")
	}
	if err := sw.MonitorFlows(ctx, 30, func(ofapp.FlowUpdate) {}); err == nil {
		t.Error("a second monitor on the session started")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("MonitorFlows after cancel: %v", err)
	}
	select {
	case u := <-ch:
		t.Errorf("unexpected update %+v", u)
	default:
	}
}
