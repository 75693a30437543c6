package ovsdb

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// tableOf returns the table of a transact request's first operation.
func tableOf(req request) string {
	var op struct {
		Table string `json:"table"`
	}
	if len(req.Params) > 1 {
		_ = json.Unmarshal(req.Params[1], &op)
	}
	return op.Table
}

// rowsNamed is a transact result: one select row named name, then the
// comment's empty result.
func rowsNamed(name string) []any {
	return []any{map[string]any{"rows": []any{map[string]any{"name": name}}}, map[string]any{}}
}

// writeReply sends the reply to req with the given result on c.
func writeReply(t *testing.T, c net.Conn, req request, result any) {
	t.Helper()
	if err := json.NewEncoder(c).Encode(map[string]any{"id": req.ID, "result": result, "error": nil}); err != nil {
		t.Errorf("write reply: %v", err)
	}
}

func selectName(t *testing.T, c *Client, table string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := c.Transact(ctx, Select{Table: table})
	if err != nil {
		t.Fatalf("select %s: %v", table, err)
	}
	name, _ := res[0].Rows[0]["name"].(string)
	return name
}

func TestReplyToUnknownIDIsCounted(t *testing.T) {
	s := newFakeServer(t, func(c net.Conn, req request) any {
		_, _ = c.Write([]byte(`{"id":"vtep-999999","result":[],"error":null}` + "\n" +
			`{"id":"42","result":[],"error":null}` + "\n"))
		return rowsNamed(tableOf(req))
	})
	c := dialFake(t, s)
	if got := selectName(t, c, "Bridge"); got != "Bridge" {
		t.Fatalf("reply = %q, want Bridge's", got)
	}
	if st := c.MonitorStats(); st.Malformed != 2 || st.Late != 0 {
		t.Errorf("stats = %+v, want 2 malformed (the two unknown ids)", st)
	}
	if !c.Connected() || c.Pending() != 0 {
		t.Errorf("connected %v, pending %d; want connected, 0", c.Connected(), c.Pending())
	}
}

func TestDuplicateReplyIsCounted(t *testing.T) {
	s := newFakeServer(t, func(c net.Conn, req request) any {
		if tableOf(req) == "Bridge" {
			writeReply(t, c, req, rowsNamed("first"))
			return rowsNamed("second")
		}
		return rowsNamed(tableOf(req))
	})
	c := dialFake(t, s)
	if got := selectName(t, c, "Bridge"); got != "first" {
		t.Fatalf("reply = %q, want the first of the two", got)
	}
	// The duplicate came before this transaction's reply on the connection.
	if got := selectName(t, c, "Port"); got != "Port" {
		t.Fatalf("next reply = %q, want Port's", got)
	}
	if st := c.MonitorStats(); st.Malformed != 1 {
		t.Errorf("stats = %+v, want the duplicate counted once", st)
	}
}

func TestReplyAfterCallerGaveUp(t *testing.T) {
	held := make(chan request, 1)
	s := newFakeServer(t, func(c net.Conn, req request) any {
		if tableOf(req) == "Slow" {
			held <- req
			return nil
		}
		return rowsNamed(tableOf(req))
	})
	var conn net.Conn
	s.set(func() { s.onConnect = func(c net.Conn) { conn = c } })
	c := dialFake(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan request, 1)
	go func() {
		req := <-held // the request reached the server; now give up
		gaveUp <- req
		cancel()
	}()
	if _, err := c.Transact(ctx, Select{Table: "Slow"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want Canceled", err)
	}
	if n := c.Pending(); n != 0 {
		t.Errorf("pending after giving up = %d, want 0", n)
	}
	writeReply(t, conn, <-gaveUp, rowsNamed("late"))
	if got := selectName(t, c, "Port"); got != "Port" {
		t.Fatalf("next reply = %q, want Port's, not the late one", got)
	}
	if st := c.MonitorStats(); st.Late != 1 || st.Malformed != 0 {
		t.Errorf("stats = %+v, want 1 late, 0 malformed", st)
	}
}

func TestInterleavedRepliesOutOfOrder(t *testing.T) {
	var mu sync.Mutex
	var first *request
	s := newFakeServer(t, func(c net.Conn, req request) any {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = &req
			return nil // answered after the second
		}
		writeReply(t, c, req, rowsNamed(tableOf(req)))
		writeReply(t, c, *first, rowsNamed(tableOf(*first)))
		first = nil
		return nil
	})
	c := dialFake(t, s)
	var wg sync.WaitGroup
	for _, table := range []string{"A", "B"} {
		wg.Go(func() {
			if got := selectName(t, c, table); got != table {
				t.Errorf("caller of %s got the reply for %s", table, got)
			}
		})
	}
	wg.Wait()
	if st := c.MonitorStats(); st.Malformed != 0 {
		t.Errorf("stats = %+v, want nothing dropped", st)
	}
}

func TestServerClosesMidReply(t *testing.T) {
	var once sync.Once
	s := newFakeServer(t, func(c net.Conn, req request) any {
		cut := false
		once.Do(func() { cut = true })
		if !cut {
			return rowsNamed(tableOf(req))
		}
		_, _ = c.Write([]byte(`{"id":` + string(req.ID) + `,"result":[{"rows":[{"name":"br`))
		_ = c.Close()
		return nil
	})
	states := make(chan State, 4)
	c := dialFake(t, s, WithBackoff(10*time.Millisecond, 50*time.Millisecond),
		OnState(func(st State, _ error) { states <- st }))
	_, err := c.Transact(context.Background(), Select{Table: "Bridge"})
	var ce *ConnError
	if !errors.As(err, &ce) || !errors.Is(err, ErrDisconnected) || !strings.Contains(err.Error(), "middle of a message") {
		t.Fatalf("err = %v, want a ConnError for a reply cut short", err)
	}
	waitStates(t, states, Disconnected, Connected)
	if got := selectName(t, c, "Port"); got != "Port" {
		t.Errorf("after reconnect: reply = %q", got)
	}
}

func TestMalformedReplyFailsItsCaller(t *testing.T) {
	s := newFakeServer(t, func(c net.Conn, req request) any {
		if tableOf(req) == "Bridge" {
			_, _ = c.Write([]byte(`{"id":` + string(req.ID) + `}` + "\n"))
			return nil
		}
		return rowsNamed(tableOf(req))
	})
	c := dialFake(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.Transact(ctx, Select{Table: "Bridge"})
	var te *TransactError
	if err == nil || errors.As(err, &te) || !strings.Contains(err.Error(), "malformed reply") {
		t.Fatalf("err = %v, want a malformed reply error (not the server's)", err)
	}
	if st := c.MonitorStats(); st.Malformed != 1 {
		t.Errorf("stats = %+v, want the reply counted", st)
	}
	if got := selectName(t, c, "Port"); got != "Port" {
		t.Errorf("next reply = %q", got)
	}
}

func TestCanceledCallerSendsNothing(t *testing.T) {
	sent := make(chan string, 4)
	s := newFakeServer(t, func(_ net.Conn, req request) any {
		sent <- tableOf(req)
		return rowsNamed(tableOf(req))
	})
	c := dialFake(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Transact(ctx, Select{Table: "Bridge"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want Canceled", err)
	}
	selectName(t, c, "Port")
	if got := <-sent; got != "Port" {
		t.Errorf("server got %s first, want only Port", got)
	}
}
