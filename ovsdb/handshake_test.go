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

// TestHandshakeThenOwnIDs: go-openvswitch's client checks the connection
// (list_dbs, echo, under its own ids); every later request carries an id of
// wireConn's, each used once.
func TestHandshakeThenOwnIDs(t *testing.T) {
	var mu sync.Mutex
	var methods []string
	ids := map[string]string{}
	s := newFakeServer(t, func(_ net.Conn, req request) any {
		mu.Lock()
		defer mu.Unlock()
		var id string
		_ = json.Unmarshal(req.ID, &id)
		if prev, dup := ids[id]; dup {
			t.Errorf("id %q used by %s and %s", id, prev, req.Method)
		}
		ids[id] = req.Method
		return rowsNamed(tableOf(req))
	})
	s.set(func() {
		s.onConnect = func(c net.Conn) {
			dec := json.NewDecoder(c)
			enc := json.NewEncoder(c)
			for range 2 { // the handshake, answered here to see it
				var req request
				if dec.Decode(&req) != nil {
					return
				}
				mu.Lock()
				methods = append(methods, req.Method+" "+string(req.ID))
				mu.Unlock()
				res := any(req.Params)
				if req.Method == "list_dbs" {
					res = []string{DefaultDatabase}
				}
				_ = enc.Encode(map[string]any{"id": req.ID, "result": res, "error": nil})
			}
		}
	})
	c := dialFake(t, s)
	for _, table := range []string{"A", "B", "C"} {
		selectName(t, c, table)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(methods) != 2 || !strings.HasPrefix(methods[0], `list_dbs "`) || !strings.HasPrefix(methods[1], `echo "`) {
		t.Errorf("handshake = %q, want list_dbs then echo", methods)
	}
	for _, m := range methods {
		if strings.Contains(m, callIDPrefix) {
			t.Errorf("handshake request %s has an id of wireConn's", m)
		}
	}
	for id := range ids {
		if !strings.HasPrefix(id, callIDPrefix) {
			t.Errorf("request id %q after the handshake is not wireConn's", id)
		}
	}
}

func TestHandshakeUnknownDatabase(t *testing.T) {
	s := newFakeServer(t, func(net.Conn, request) any { return nil })
	s.set(func() { s.dbs = []string{"_Server"} })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := Dial(ctx, "unix:"+s.path, WithLogger(quietLogger()))
	if !errors.Is(err, ErrUnknownDatabase) || !strings.Contains(err.Error(), `"Open_vSwitch"`) {
		t.Fatalf("err = %v, want ErrUnknownDatabase naming the database", err)
	}
}

// TestHandshakeHostileMessages: what go-openvswitch's client would crash on
// (a null id) never reaches it; each is counted and the handshake goes on.
func TestHandshakeHostileMessages(t *testing.T) {
	hostile := []string{
		`{"id":null,"result":[]}`,
		`[1]`,
		`{"id":7,"result":[]}`,
		`{"id":null,"method":"update","params":["nobody",{}]}`,
	}
	s := newFakeServer(t, func(_ net.Conn, req request) any { return rowsNamed(tableOf(req)) })
	s.set(func() {
		s.onConnect = func(c net.Conn) {
			_, _ = c.Write([]byte(strings.Join(hostile, "\n") + "\n"))
		}
	})
	c := dialFake(t, s)
	selectName(t, c, "Bridge")
	if st := c.MonitorStats(); st.Malformed != uint64(len(hostile)) {
		t.Errorf("stats = %+v, want %d malformed", st, len(hostile))
	}
}

// TestHandshakeServerHangsUp: a connection lost during the handshake fails
// Dial at once with ErrDisconnected, not at the end of ctx.
func TestHandshakeServerHangsUp(t *testing.T) {
	s := newFakeServer(t, func(net.Conn, request) any { return nil })
	s.set(func() {
		s.onConnect = func(c net.Conn) {
			var req request
			_ = json.NewDecoder(c).Decode(&req)
			_, _ = c.Write([]byte(`{"id":` + string(req.ID) + `,"res`))
			_ = c.Close()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := Dial(ctx, "unix:"+s.path, WithLogger(quietLogger()))
	if !errors.Is(err, ErrDisconnected) || ctx.Err() != nil {
		t.Fatalf("err = %v (ctx %v), want ErrDisconnected before the deadline", err, ctx.Err())
	}
}

// TestProbeDropsSilentConnection: after the handshake, the probe is an echo
// call of wireConn's; a server that stops answering is dropped and the
// client connects again.
func TestProbeDropsSilentConnection(t *testing.T) {
	var once sync.Once
	probed := make(chan string, 1)
	s := newFakeServer(t, func(_ net.Conn, req request) any { return rowsNamed(tableOf(req)) })
	s.set(func() {
		s.onConnect = func(c net.Conn) {
			silent := false
			once.Do(func() { silent = true })
			if !silent {
				return
			}
			dec, enc := json.NewDecoder(c), json.NewEncoder(c)
			for {
				var req request
				if dec.Decode(&req) != nil {
					return
				}
				switch req.Method {
				case "list_dbs":
					_ = enc.Encode(map[string]any{"id": req.ID, "result": []string{DefaultDatabase}, "error": nil})
				case "echo":
					if !strings.Contains(string(req.ID), callIDPrefix) {
						_ = enc.Encode(map[string]any{"id": req.ID, "result": req.Params, "error": nil})
						continue
					}
					select { // the probe: never answered
					case probed <- string(req.ID):
					default:
					}
				}
			}
		}
	})
	causes := make(chan error, 4)
	states := make(chan State, 4)
	c := dialFake(t, s, WithProbe(100*time.Millisecond), WithBackoff(10*time.Millisecond, 50*time.Millisecond),
		OnState(func(st State, err error) { states <- st; causes <- err }))
	select {
	case id := <-probed:
		if !strings.HasPrefix(id, `"`+callIDPrefix) {
			t.Errorf("probe id = %s, want one of wireConn's", id)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no probe")
	}
	for _, want := range []State{Disconnected, Connected} {
		select {
		case got := <-states:
			cause := <-causes
			if got != want {
				t.Fatalf("state = %v, want %v", got, want)
			}
			if want == Disconnected && (cause == nil || !strings.Contains(cause.Error(), "no reply to echo")) {
				t.Errorf("cause = %v, want the unanswered echo", cause)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %v state", want)
		}
	}
	selectName(t, c, "Bridge")
}
