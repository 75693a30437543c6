package ovsdb_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/ovsdb"
)

func TestIntegrationTransactErrors(t *testing.T) {
	o, c := startOVS(t)
	ctx := testCtx(t)
	if _, err := c.EnsureBridge(ctx, ovsdb.BridgeSpec{Name: "br0"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		ops        []ovsdb.Op
		kind       error
		table, col string
		value      string
		msg        string
	}{
		{
			name:  "constraint violation",
			ops:   []ovsdb.Op{ovsdb.Insert{Table: "Bridge", Row: ovsdb.Row{"name": "brx", "fail_mode": "bogus"}}},
			kind:  ovsdb.ErrConstraintViolation,
			table: "Bridge", col: "fail_mode", value: "bogus",
			msg: "insert Bridge: constraint violation: column fail_mode value bogus",
		},
		{
			name:  "out of range",
			ops:   []ovsdb.Op{ovsdb.Insert{Table: "Port", Row: ovsdb.Row{"name": "p", "tag": 5000}}},
			kind:  ovsdb.ErrConstraintViolation,
			table: "Port", col: "tag", value: "5000",
			msg: "column tag value 5000",
		},
		{
			name: "duplicate name",
			ops: []ovsdb.Op{
				ovsdb.Insert{Table: "Bridge", UUIDName: "b", Row: ovsdb.Row{"name": "br0"}},
				ovsdb.Mutate{Table: "Open_vSwitch", Mutations: []ovsdb.Mutation{{Column: "bridges", Mutator: "insert", Value: ovsdb.Set{ovsdb.NamedUUID("b")}}}},
			},
			kind:  ovsdb.ErrDuplicate,
			table: "Bridge", col: "name", value: "br0",
			msg: "commit Bridge: constraint violation: column name value br0",
		},
		{
			name: "referential integrity",
			ops: []ovsdb.Op{ovsdb.Insert{Table: "Bridge", Row: ovsdb.Row{"name": "bry",
				"ports": ovsdb.Set{ovsdb.UUID("0b5b0e1a-4ad8-4bb4-8c65-27f79f4a8d1b")}}}},
			kind:  ovsdb.ErrReferentialIntegrity,
			table: "Bridge", col: "ports", value: "0b5b0e1a-4ad8-4bb4-8c65-27f79f4a8d1b",
			msg: "referential integrity violation: column ports value 0b5b0e1a",
		},
		{
			name:  "unknown column",
			ops:   []ovsdb.Op{ovsdb.Update{Table: "Bridge", Where: []ovsdb.Cond{ovsdb.Equal("name", "br0")}, Row: ovsdb.Row{"colour": "blue"}}},
			kind:  ovsdb.ErrUnknownColumn,
			table: "Bridge", col: "colour",
			msg: "update Bridge: unknown column: column colour",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Transact(ctx, tc.ops...)
			var te *ovsdb.TransactError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v (%T), want *TransactError", err, err)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("err = %v, want kind %v", err, tc.kind)
			}
			if te.Table != tc.table || te.Column != tc.col || te.Value != tc.value {
				t.Errorf("table/column/value = %q/%q/%q, want %q/%q/%q", te.Table, te.Column, te.Value, tc.table, tc.col, tc.value)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %q does not contain %q", err, tc.msg)
			}
		})
	}
	// Nothing of the failed transactions was applied.
	if got := vsctl(t, o, "list-br"); got != "br0" {
		t.Errorf("bridges = %q, want only br0", got)
	}

	t.Run("bad spec is refused before anything is written", func(t *testing.T) {
		_, err := c.EnsureBridge(ctx, ovsdb.BridgeSpec{Name: "br1", FailMode: "bogus", Ports: []ovsdb.PortSpec{{Name: "p1"}}})
		var fe *ovsdb.FieldError
		if !errors.As(err, &fe) || fe.Value != "bogus" || !strings.Contains(fe.Field, "fail_mode") {
			t.Fatalf("err = %v, want a FieldError naming fail_mode and bogus", err)
		}
		if got := vsctl(t, o, "list-br"); got != "br0" {
			t.Errorf("bridges = %q, want only br0", got)
		}
	})

	t.Run("port on another bridge", func(t *testing.T) {
		if _, err := c.EnsureBridge(ctx, ovsdb.BridgeSpec{Name: "br2", Ports: []ovsdb.PortSpec{{Name: "br0"}}}); !errors.Is(err, ovsdb.ErrConflict) {
			t.Fatalf("err = %v, want ErrConflict", err)
		}
		if got := vsctl(t, o, "list-br"); got != "br0" {
			t.Errorf("bridges = %q, want only br0 (nothing half-applied)", got)
		}
	})

	t.Run("context deadline", func(t *testing.T) {
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		// The server holds this transaction until its wait condition holds,
		// which it never does.
		_, err := c.Transact(short, ovsdb.Wait{Table: "Bridge", Where: []ovsdb.Cond{ovsdb.Equal("name", "br0")},
			Columns: []string{"name"}, Rows: []ovsdb.Row{{"name": "never"}}, Timeout: time.Minute})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("returned after %v, want about the deadline", d)
		}
		// The client stays usable.
		if _, err := c.GetBridge(ctx, "br0"); err != nil {
			t.Errorf("after deadline: %v", err)
		}
	})

	t.Run("interface error column", func(t *testing.T) {
		if _, err := c.EnsurePort(ctx, "br0", ovsdb.PortSpec{Name: "nosuchdev0"}); err != nil {
			t.Fatal(err)
		}
		_, err := c.WaitOfport(ctx, "nosuchdev0")
		var ie *ovsdb.InterfaceError
		if !errors.As(err, &ie) || ie.Interface != "nosuchdev0" || ie.Msg == "" {
			t.Fatalf("err = %v, want an InterfaceError for nosuchdev0", err)
		}
		t.Logf("%v", err)
	})

	t.Run("ofport wait times out without vswitchd", func(t *testing.T) {
		if err := o.StopVswitchd(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := o.StartVswitchd(ctx); err != nil {
				t.Error(err)
			}
		}()
		if _, err := c.EnsurePort(ctx, "br0", ovsdb.PortSpec{Name: "late0", Type: "internal"}); err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		_, err := c.WaitOfport(short, "late0")
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "ofport not set yet") {
			t.Fatalf("err = %v, want deadline naming what was seen", err)
		}
	})

	t.Run("missing interface", func(t *testing.T) {
		if _, err := c.WaitOfport(ctx, "nope0"); !errors.Is(err, ovsdb.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
}

func TestIntegrationReconnect(t *testing.T) {
	states := make(chan ovsdb.State, 10)
	o, c := startOVS(t, ovsdb.WithBackoff(20*time.Millisecond, 200*time.Millisecond),
		ovsdb.OnState(func(s ovsdb.State, err error) {
			t.Logf("state %v: %v", s, err)
			states <- s
		}))
	ctx := testCtx(t)
	if _, err := c.EnsureBridge(ctx, ovsdb.BridgeSpec{Name: "br0"}); err != nil {
		t.Fatal(err)
	}

	// A transaction in flight when the server dies is told so at once.
	inflight := make(chan error, 1)
	go func() {
		_, err := c.Transact(ctx, ovsdb.Wait{Table: "Bridge", Where: []ovsdb.Cond{ovsdb.Equal("name", "br0")},
			Columns: []string{"name"}, Rows: []ovsdb.Row{{"name": "never"}}, Timeout: time.Minute})
		inflight <- err
	}()
	waitFor(t, "the wait to be in flight", func() bool { return c.Pending() == 1 })
	if err := o.StopDB(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-inflight:
		var ce *ovsdb.ConnError
		if !errors.Is(err, ovsdb.ErrDisconnected) || !errors.As(err, &ce) {
			t.Fatalf("in-flight err = %v, want ConnError/ErrDisconnected", err)
		}
	case <-ctx.Done():
		t.Fatal("in-flight transaction not told about the lost connection")
	}
	expectState(t, states, ovsdb.Disconnected)
	if _, err := c.GetBridge(ctx, "br0"); !errors.Is(err, ovsdb.ErrDisconnected) {
		t.Fatalf("while down: err = %v, want ErrDisconnected", err)
	}

	if err := o.StartDB(ctx); err != nil {
		t.Fatal(err)
	}
	expectState(t, states, ovsdb.Connected)
	if err := c.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	if changed, err := c.EnsureBridge(ctx, ovsdb.BridgeSpec{Name: "br0"}); err != nil || changed {
		t.Fatalf("after reconnect: changed=%v err=%v, want no change", changed, err)
	}
}

func expectState(t *testing.T, states <-chan ovsdb.State, want ovsdb.State) {
	t.Helper()
	select {
	case got := <-states:
		if got != want {
			t.Fatalf("state = %v, want %v", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no state change to %v within 10s", want)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
