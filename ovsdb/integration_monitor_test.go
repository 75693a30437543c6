package ovsdb_test

import (
	"testing"
	"time"

	"github.com/vtep/vtep/ovsdb"
)

// nextEvent waits up to 10s for a monitor event that satisfies ok.
func nextEvent(t *testing.T, events <-chan ovsdb.MonitorEvent, what string, ok func(ovsdb.MonitorEvent) bool) ovsdb.MonitorEvent {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			if ok(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no monitor event with %s within 10s", what)
		}
	}
}

// portTag returns the tag a Port row update sets on the named port.
func portTag(ev ovsdb.MonitorEvent, name string) (int, bool) {
	for _, u := range ev.Updates[ovsdb.TablePort] {
		if u.New == nil {
			continue
		}
		p, err := ovsdb.ParsePort(u.New)
		if err == nil && p.Name == name && p.Tag != nil {
			return *p.Tag, true
		}
	}
	return 0, false
}

// TestIntegrationMonitor: a change made with ovs-vsctl reaches the
// monitor, and after ovsdb-server restarts the monitor is back, with the
// rows as they are, before the client reports the connection.
func TestIntegrationMonitor(t *testing.T) {
	states := make(chan ovsdb.State, 10)
	o, c := startOVS(t, ovsdb.WithBackoff(20*time.Millisecond, 200*time.Millisecond),
		ovsdb.OnState(func(s ovsdb.State, err error) { states <- s }))
	ctx := testCtx(t)
	if _, err := c.EnsureBridge(ctx, ovsdb.BridgeSpec{Name: "br0", DatapathType: ovsdb.DatapathNetdev}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EnsurePort(ctx, "br0", ovsdb.PortSpec{Name: "vm1", Type: "internal", Tag: new(1)}); err != nil {
		t.Fatal(err)
	}
	events := make(chan ovsdb.MonitorEvent, 100)
	req := ovsdb.MonitorRequest{ovsdb.TableBridge: {"name", "ports"}, ovsdb.TablePort: {"name", "tag", "trunks"},
		ovsdb.TableInterface: {"name", "ofport"}, ovsdb.TableController: {"target", "is_connected"}}
	if err := c.Monitor(ctx, req, func(ev ovsdb.MonitorEvent) { events <- ev }); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, events, "initial vm1 tag 1", func(ev ovsdb.MonitorEvent) bool {
		tag, ok := portTag(ev, "vm1")
		return ev.Initial && ok && tag == 1
	})

	start := time.Now()
	vsctl(t, o, "set", "port", "vm1", "tag=5")
	ev := nextEvent(t, events, "vm1 tag 5", func(ev ovsdb.MonitorEvent) bool {
		tag, ok := portTag(ev, "vm1")
		return ok && tag == 5
	})
	t.Logf("update %q %v after ovs-vsctl started", ev.Summary(), time.Since(start))
	if ev.Initial {
		t.Errorf("update = %+v, want not initial", ev)
	}

	if err := o.StopDB(ctx); err != nil {
		t.Fatal(err)
	}
	expectState(t, states, ovsdb.Disconnected)
	if err := o.StartDB(ctx); err != nil {
		t.Fatal(err)
	}
	expectState(t, states, ovsdb.Connected)
	// The initial rows are delivered by the time the client reports the
	// connection: they are among the events already buffered.
	initial := false
	for len(events) > 0 {
		ev := <-events
		if tag, ok := portTag(ev, "vm1"); ev.Initial && ok && tag == 5 {
			initial = true
		}
	}
	if !initial {
		t.Fatal("no initial rows with vm1 tag 5 by the time the client reported the connection")
	}
	vsctl(t, o, "set", "port", "vm1", "tag=7")
	nextEvent(t, events, "vm1 tag 7", func(ev ovsdb.MonitorEvent) bool {
		tag, ok := portTag(ev, "vm1")
		return ok && tag == 7
	})
	if st := c.MonitorStats(); st.Malformed != 0 {
		t.Errorf("stats = %+v, want nothing malformed", st)
	}
}
