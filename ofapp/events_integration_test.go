package ofapp_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/vtep/vtep/ofapp"
)

// manyFlows returns n distinct flows spread over two tables.
func manyFlows(n int, cookie uint64) []ofapp.Flow {
	fs := make([]ofapp.Flow, n)
	for i := range fs {
		mac := net.HardwareAddr{0x02, 0, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
		fs[i] = ofapp.Flow{
			Table: uint8(30 + i%2), Priority: 100, Cookie: cookie,
			Match: ofapp.Match{ofapp.MatchReg(0, uint32(i%4096), 0xffffff), ofapp.MatchEthDst(mac)},
			Actions: []ofapp.Action{
				ofapp.RegLoad{Dst: ofapp.Whole(ofapp.FieldReg(2)), Value: uint64(i)},
				ofapp.RegLoad{Dst: ofapp.Bits(ofapp.FieldReg(3), 0, 16), Value: uint64(i % 100)},
			},
		}
	}
	return fs
}

func TestIntegrationTenThousandFlowsInOneBundle(t *testing.T) {
	_, sw := newLab(t, ofapp.Config{})
	ctx := ctxT(t)
	want := manyFlows(10000, 0x700)
	if err := sw.AddFlows(ctx, want...); err != nil {
		t.Fatal(err)
	}
	// A flow of another cookie must not be read by a cookie filter.
	if err := sw.AddFlows(ctx, ofapp.Flow{Table: 0, Priority: 1, Cookie: 0x800}); err != nil {
		t.Fatal(err)
	}
	got, err := sw.Flows(ctx, 0x700, 0xf00)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d flows with cookie 0x700, want %d", len(got), len(want))
	}
	byKey := make(map[ofapp.Key]ofapp.FlowStats, len(got))
	for _, f := range got {
		byKey[f.Key()] = f
	}
	for _, w := range want {
		g, ok := byKey[w.Key()]
		if !ok {
			t.Fatalf("flow %s not read back", w)
		}
		if g.ActionsString() != w.ActionsString() || g.Cookie != w.Cookie {
			t.Fatalf("read back %s, want %s", g.Flow, w)
		}
	}
	tables, err := sw.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	active := map[uint8]uint32{}
	for _, ts := range tables {
		active[ts.Table] = ts.Active
	}
	if active[30] != 5000 || active[31] != 5000 || active[0] != 1 {
		t.Errorf("table stats active: table 0 %d, 30 %d, 31 %d; want 1, 5000, 5000", active[0], active[30], active[31])
	}
	if err := sw.DeleteByCookie(ctx, 0x700, 0xf00); err != nil {
		t.Fatal(err)
	}
	if rest, err := sw.Flows(ctx, 0, 0); err != nil || len(rest) != 1 {
		t.Errorf("after delete by cookie: %d flows (%v), want 1", len(rest), err)
	}
}

// nextEvent returns the next event of one of the wanted types.
func nextEvent(t *testing.T, ctl *ofapp.Controller, types ...ofapp.EventType) ofapp.Event {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case e, ok := <-ctl.Events():
			if !ok {
				t.Fatal("event channel closed")
			}
			for _, ty := range types {
				if e.Type == ty {
					return e
				}
			}
		case <-timeout:
			t.Fatalf("no %v event within 30s", types)
		}
	}
}

func TestIntegrationPortStatusEvents(t *testing.T) {
	l, sw := newLab(t, ofapp.Config{})
	port := fmt.Sprintf("p%d", time.Now().UnixNano()%100000)
	l.vsctl(t, "add-port", testBridge, port, "--", "set", "interface", port, "type=internal", "ofport_request=7")
	e := nextEvent(t, l.ctl, ofapp.PortAdded)
	if e.Port.Name != port || e.Port.No != 7 || e.DPID != l.dpid {
		t.Errorf("port added event %v: want %s(7) on %016x", e, port, l.dpid)
	}
	stats, err := sw.Ports(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range stats {
		found = found || (p.Name == port && p.No == 7)
	}
	if !found {
		t.Errorf("Ports() = %v, want %s(7) among them", stats, port)
	}
	l.vsctl(t, "del-port", testBridge, port)
	e = nextEvent(t, l.ctl, ofapp.PortDeleted)
	if e.Port.Name != port || e.Port.No != 7 {
		t.Errorf("port deleted event %v: want %s(7)", e, port)
	}
}

func TestIntegrationReconnectAfterVswitchdRestart(t *testing.T) {
	l, sw := newLab(t, ofapp.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := l.ovs.StopVswitchd(ctx); err != nil {
		t.Fatal(err)
	}
	e := nextEvent(t, l.ctl, ofapp.SwitchDisconnected)
	if e.DPID != l.dpid || e.Switch != sw || e.Err == nil {
		t.Errorf("disconnect event %v (switch %p, err %v): want %016x, session %p, a reason", e, e.Switch, e.Err, l.dpid, sw)
	}
	select {
	case <-sw.Done():
	default:
		t.Error("old session not done after disconnect event")
	}
	if err := sw.Barrier(ctx); err == nil {
		t.Error("Barrier on a closed session succeeded")
	}
	if err := l.ovs.StartVswitchd(ctx); err != nil {
		t.Fatal(err)
	}
	e = nextEvent(t, l.ctl, ofapp.SwitchConnected)
	if e.DPID != l.dpid || e.Switch == sw {
		t.Errorf("reconnect event %v: want a new session of %016x", e, l.dpid)
	}
	if err := e.Switch.Barrier(ctx); err != nil {
		t.Errorf("Barrier on the new session: %v", err)
	}
}
