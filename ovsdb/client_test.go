package ovsdb

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// request is a JSON-RPC message as the fake server sees it.
type request struct {
	ID     json.RawMessage   `json:"id"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
	Result json.RawMessage   `json:"result"`
}

// handlerFunc answers one request: a result to send, or nil to send
// nothing. It may use conn to act on the connection (close it, send more).
type handlerFunc func(conn net.Conn, req request) any

// fakeServer serves JSON-RPC on a unix socket with plain functions. It
// answers the client's connect handshake (list_dbs with dbs, and echo)
// itself; handle gets every other message. onConnect, if set, runs first
// on each new connection.
type fakeServer struct {
	path      string
	ln        net.Listener
	handle    handlerFunc
	dbs       []string
	onConnect func(c net.Conn)
	mu        sync.Mutex
	conns     []net.Conn
}

func newFakeServer(t *testing.T, handle handlerFunc) *fakeServer {
	t.Helper()
	dir, err := os.MkdirTemp("", "ovsdbt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	s := &fakeServer{path: filepath.Join(dir, "db.sock"), handle: handle, dbs: []string{DefaultDatabase, "_Server"}}
	s.listen(t)
	t.Cleanup(s.stop)
	return s
}

func (s *fakeServer) listen(t *testing.T) {
	ln, err := net.Listen("unix", s.path)
	if err != nil {
		t.Fatal(err)
	}
	s.ln = ln
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			go s.serve(c)
		}
	}()
}

func (s *fakeServer) serve(c net.Conn) {
	dec, enc := json.NewDecoder(c), json.NewEncoder(c)
	s.mu.Lock()
	dbs, onConnect := s.dbs, s.onConnect
	s.mu.Unlock()
	if onConnect != nil {
		onConnect(c)
	}
	for {
		var req request
		if err := dec.Decode(&req); err != nil {
			return
		}
		switch req.Method {
		case "list_dbs":
			_ = enc.Encode(map[string]any{"id": req.ID, "result": dbs, "error": nil})
			continue
		case "echo":
			_ = enc.Encode(map[string]any{"id": req.ID, "result": req.Params, "error": nil})
			continue
		}
		if res := s.handle(c, req); res != nil {
			_ = enc.Encode(map[string]any{"id": req.ID, "result": res, "error": nil})
		}
	}
}

// set changes the server's settings (dbs, onConnect) for new connections.
func (s *fakeServer) set(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// stop closes the listener and every connection.
func (s *fakeServer) stop() {
	_ = s.ln.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.conns = nil
}

func quietLogger() logrus.FieldLogger {
	l := logrus.New()
	l.SetLevel(logrus.PanicLevel)
	return l
}

func dialFake(t *testing.T, s *fakeServer, opts ...Option) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, "unix:"+s.path, append([]Option{WithLogger(quietLogger())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestTransactDecodesFullResults(t *testing.T) {
	var last request
	var mu sync.Mutex
	s := newFakeServer(t, func(_ net.Conn, req request) any {
		mu.Lock()
		last = req
		mu.Unlock()
		return []any{
			map[string]any{"uuid": []string{"uuid", "11111111-2222-3333-4444-555555555555"}},
			map[string]any{"count": 2},
			map[string]any{"rows": []any{map[string]any{"name": "br0", "ports": []any{"set", []any{}}}}},
			map[string]any{},
		}
	})
	c := dialFake(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := c.Transact(ctx,
		Insert{Table: "Bridge", Row: Row{"name": "br0"}},
		Mutate{Table: "Open_vSwitch", Mutations: []Mutation{{Column: "next_cfg", Mutator: "+=", Value: 1}}},
		Select{Table: "Bridge"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || res[0].UUID != "11111111-2222-3333-4444-555555555555" || res[1].Count != 2 ||
		len(res[2].Rows) != 1 || res[2].Rows[0]["name"] != "br0" {
		t.Errorf("results = %+v", res)
	}
	mu.Lock()
	defer mu.Unlock()
	if last.Method != "transact" || len(last.Params) != 5 || string(last.Params[0]) != `"Open_vSwitch"` ||
		!strings.Contains(string(last.Params[4]), `"op":"comment"`) {
		t.Errorf("request params = %s, want db, 3 ops and the comment", last.Params)
	}
}

func TestTransactOpError(t *testing.T) {
	s := newFakeServer(t, func(_ net.Conn, req request) any {
		return []any{
			map[string]any{"uuid": []string{"uuid", "u"}},
			map[string]any{"error": "constraint violation", "details": "7000 is not in the valid range 0 to 4095 (inclusive)"},
			nil,
		}
	})
	c := dialFake(t, s)
	_, err := c.Transact(context.Background(),
		Insert{Table: "Interface", UUIDName: "i", Row: Row{"name": "p"}},
		Insert{Table: "Port", Row: Row{"name": "p", "tag": 7000, "interfaces": Set{NamedUUID("i")}}})
	var te *TransactError
	if !errors.As(err, &te) || te.Index != 1 || te.Table != "Port" || te.Column != "tag" || te.Value != "7000" {
		t.Fatalf("err = %#v, want the second insert's tag 7000", err)
	}
}

func TestTransactJSONRPCError(t *testing.T) {
	s := newFakeServer(t, func(c net.Conn, req request) any {
		_ = json.NewEncoder(c).Encode(map[string]any{"id": req.ID, "result": nil,
			"error": map[string]any{"error": "unknown database", "details": "transact request specifies unknown database X"}})
		return nil
	})
	s.set(func() { s.dbs = []string{"X"} }) // listed at connect, refused by the transaction
	c := dialFake(t, s, WithDatabase("X"))
	_, err := c.Transact(context.Background(), Select{Table: "Bridge"})
	if !errors.Is(err, ErrUnknownDatabase) || !strings.Contains(err.Error(), "unknown database X") {
		t.Fatalf("err = %v, want ErrUnknownDatabase with details", err)
	}
}

func TestServerEchoIsAnswered(t *testing.T) {
	echoed := make(chan string, 1)
	s := newFakeServer(t, func(c net.Conn, req request) any {
		if req.Method == "" && string(req.ID) == `"echo"` {
			echoed <- string(req.Result)
			return nil
		}
		if req.Method == "transact" {
			_ = json.NewEncoder(c).Encode(map[string]any{"id": "echo", "method": "echo", "params": []string{"ping"}})
			return []any{map[string]any{"rows": []any{}}, map[string]any{}}
		}
		return nil
	})
	c := dialFake(t, s)
	if _, err := c.Transact(context.Background(), Select{Table: "Bridge"}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-echoed:
		if got != `["ping"]` {
			t.Errorf("echo reply result = %s, want [\"ping\"]", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("server's echo request was not answered")
	}
}

func TestDropIsReportedAndClientReconnects(t *testing.T) {
	var drop sync.Once
	s := newFakeServer(t, nil)
	s.handle = func(c net.Conn, req request) any {
		if req.Method != "transact" {
			return nil
		}
		var op struct {
			Op string `json:"op"`
		}
		_ = json.Unmarshal(req.Params[1], &op)
		if op.Op == "wait" {
			drop.Do(func() { _ = c.Close() }) // die with the transaction in flight
			return nil
		}
		return []any{map[string]any{"rows": []any{}}, map[string]any{}}
	}
	states := make(chan State, 4)
	c := dialFake(t, s, WithBackoff(10*time.Millisecond, 50*time.Millisecond),
		OnState(func(st State, err error) { states <- st }))
	_, err := c.Transact(context.Background(), Wait{Table: "Bridge", Timeout: time.Hour})
	if !errors.Is(err, ErrDisconnected) {
		t.Fatalf("in-flight err = %v, want ErrDisconnected", err)
	}
	waitStates(t, states, Disconnected, Connected)
	if _, err := c.Transact(context.Background(), Select{Table: "Bridge"}); err != nil {
		t.Fatalf("after reconnect: %v", err)
	}
}

func TestDeadlineWithoutReply(t *testing.T) {
	s := newFakeServer(t, func(net.Conn, request) any { return nil })
	c := dialFake(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Transact(ctx, Select{Table: "Bridge"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if n := c.Pending(); n != 0 {
		t.Errorf("pending after deadline = %d, want 0", n)
	}
}

func TestConcurrentTransactions(t *testing.T) {
	s := newFakeServer(t, func(_ net.Conn, req request) any {
		// Echo the table name back so each caller can check it got its own reply.
		var op struct {
			Table string `json:"table"`
		}
		_ = json.Unmarshal(req.Params[1], &op)
		return []any{map[string]any{"rows": []any{map[string]any{"name": op.Table}}}, map[string]any{}}
	})
	c := dialFake(t, s)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			table := "T" + string(rune('a'+i))
			res, err := c.Transact(context.Background(), Select{Table: table})
			if err == nil && res[0].Rows[0]["name"] != table {
				err = errors.New("got the reply of " + res[0].Rows[0]["name"].(string) + " for " + table)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestDialFails(t *testing.T) {
	_, err := Dial(context.Background(), "unix:/nonexistent/db.sock")
	if !errors.Is(err, ErrDisconnected) || !strings.Contains(err.Error(), "/nonexistent/db.sock") {
		t.Errorf("err = %v, want ConnError naming the target", err)
	}
	if _, err := Dial(context.Background(), "/run/db.sock"); err == nil {
		t.Error("Dial of a target without a scheme succeeded")
	}
}

// waitStates waits for the client's next connection states, in order.
func waitStates(t *testing.T, states <-chan State, want ...State) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-states:
			if got != w {
				t.Fatalf("state = %v, want %v", got, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %v state", w)
		}
	}
}
