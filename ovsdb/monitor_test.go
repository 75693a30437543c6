package ovsdb

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	uuidA = "aaaaaaaa-0000-0000-0000-000000000001"
	uuidB = "bbbbbbbb-0000-0000-0000-000000000002"
)

// monitorServer is a fake server that accepts monitor requests, answering
// with one Port row, and records them.
type monitorServer struct {
	*fakeServer
	mu       sync.Mutex
	requests []request
	conn     net.Conn // the connection of the last monitor request
	seen     chan request
}

func newMonitorServer(t *testing.T) *monitorServer {
	ms := &monitorServer{seen: make(chan request, 8)}
	ms.fakeServer = newFakeServer(t, func(c net.Conn, req request) any {
		switch req.Method {
		case "monitor":
			ms.mu.Lock()
			ms.requests = append(ms.requests, req)
			ms.conn = c
			ms.mu.Unlock()
			ms.seen <- req
			return map[string]any{"Port": map[string]any{uuidA: map[string]any{"new": map[string]any{"name": "vm1", "tag": 1}}}}
		case "transact":
			return []any{map[string]any{"rows": []any{}}, map[string]any{}}
		}
		return nil
	})
	return ms
}

// send writes a raw message to the client on the last monitored connection.
func (ms *monitorServer) send(t *testing.T, msg string) {
	t.Helper()
	ms.mu.Lock()
	c := ms.conn
	ms.mu.Unlock()
	if _, err := c.Write([]byte(msg + "\n")); err != nil {
		t.Fatalf("send %s: %v", msg, err)
	}
}

// nextEvent waits for the handler's next event.
func nextEvent(t *testing.T, events <-chan MonitorEvent) MonitorEvent {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no monitor event")
		return MonitorEvent{}
	}
}

func startMonitor(t *testing.T, c *Client) <-chan MonitorEvent {
	t.Helper()
	events := make(chan MonitorEvent, 16)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.Monitor(ctx, MonitorRequest{TablePort: {"name", "tag"}, TableBridge: nil},
		func(ev MonitorEvent) { events <- ev })
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func TestMonitorRequestAndUpdates(t *testing.T) {
	ms := newMonitorServer(t)
	c := dialFake(t, ms.fakeServer)
	events := startMonitor(t, c)

	req := <-ms.seen
	if len(req.Params) != 3 || string(req.Params[0]) != `"Open_vSwitch"` {
		t.Fatalf("monitor params = %s, want database, id and requests", req.Params)
	}
	var id string
	var reqs map[string]map[string]any
	if json.Unmarshal(req.Params[1], &id) != nil || json.Unmarshal(req.Params[2], &reqs) != nil {
		t.Fatalf("monitor params = %s", req.Params)
	}
	if cols, ok := reqs["Port"]["columns"].([]any); !ok || len(cols) != 2 || cols[0] != "name" || cols[1] != "tag" {
		t.Errorf("Port request = %v, want columns name and tag", reqs["Port"])
	}
	if r, ok := reqs["Bridge"]; !ok || len(r) != 0 {
		t.Errorf("Bridge request = %v, want {} (every column)", r)
	}

	ev := nextEvent(t, events)
	if !ev.Initial || ev.Updates["Port"][uuidA].New["name"] != "vm1" || ev.Updates["Port"][uuidA].Old != nil {
		t.Fatalf("first event = %+v, want the initial Port row", ev)
	}
	ms.send(t, `{"id":null,"method":"update","params":["`+id+`",{"Port":{"`+uuidA+`":{"old":{"tag":1},"new":{"name":"vm1","tag":5}}},`+
		`"Interface":{"`+uuidB+`":{"old":{"name":"vm2"}}}}]}`)
	ev = nextEvent(t, events)
	port := ev.Updates["Port"][uuidA]
	if ev.Initial || port.Old["tag"] != int64(1) || port.New["tag"] != int64(5) {
		t.Fatalf("update = %+v, want Port tag 1 -> 5", ev)
	}
	if del := ev.Updates["Interface"][uuidB]; del.New != nil || del.Old["name"] != "vm2" {
		t.Errorf("update = %+v, want Interface vm2 deleted", ev)
	}
	if got, want := ev.Summary(), "Interface 1 deleted, Port 1 modified"; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	if st := c.MonitorStats(); st.Updates != 1 || st.Malformed != 0 {
		t.Errorf("stats = %+v, want 1 update, 0 malformed", st)
	}
}

func TestMonitorReestablishedAfterReconnect(t *testing.T) {
	ms := newMonitorServer(t)
	states := make(chan State, 4)
	c := dialFake(t, ms.fakeServer, WithBackoff(10*time.Millisecond, 50*time.Millisecond),
		OnState(func(st State, _ error) { states <- st }))
	events := startMonitor(t, c)
	first := <-ms.seen
	if ev := nextEvent(t, events); !ev.Initial {
		t.Fatalf("first event = %+v, want initial", ev)
	}

	ms.mu.Lock()
	_ = ms.conn.Close()
	ms.mu.Unlock()
	var again request
	select {
	case again = <-ms.seen:
	case <-time.After(5 * time.Second):
		t.Fatal("monitor not requested again after the reconnect")
	}
	if string(again.Params[1]) != string(first.Params[1]) || string(again.Params[2]) != string(first.Params[2]) {
		t.Errorf("monitor after reconnect = %s, want the same as %s", again.Params, first.Params)
	}
	if ev := nextEvent(t, events); !ev.Initial || ev.Updates["Port"][uuidA].New["name"] != "vm1" {
		t.Errorf("event after reconnect = %+v, want the initial rows again", ev)
	}
	// The monitor is back before the client reports the connection.
	waitStates(t, states, Disconnected, Connected)
	var id string
	_ = json.Unmarshal(first.Params[1], &id)
	ms.send(t, `{"id":null,"method":"update","params":["`+id+`",{"Port":{"`+uuidA+`":{"old":{"tag":1},"new":{"tag":2}}}}]}`)
	if ev := nextEvent(t, events); ev.Initial || ev.Updates["Port"][uuidA].New["tag"] != int64(2) {
		t.Errorf("update on the new connection = %+v", ev)
	}
}

// TestHostileMessagesAreCountedNotFatal: malformed notifications and
// replies are dropped, logged and counted; the connection, transactions
// and the monitor keep working.
func TestHostileMessagesAreCountedNotFatal(t *testing.T) {
	ms := newMonitorServer(t)
	c := dialFake(t, ms.fakeServer)
	events := startMonitor(t, c)
	var id string
	_ = json.Unmarshal((<-ms.seen).Params[1], &id)
	nextEvent(t, events)

	hostile := []string{
		`[1,2,3]`,
		`"just a string"`,
		`{"id":null,"result":[]}`,
		`{"id":7,"result":[]}`,
		`{"id":"x","method":"lock","params":["l"]}`,
		`{"id":null,"method":"update","params":"not an array"}`,
		`{"id":null,"method":"update","params":["` + id + `"]}`,
		`{"id":null,"method":"update","params":[42,{}]}`,
		`{"id":null,"method":"update","params":["no-such-monitor",{}]}`,
		`{"id":null,"method":"update","params":["` + id + `",[]]}`,
		`{"id":null,"method":"update","params":["` + id + `",{"Port":{"not-a-uuid":{"new":{}}}}]}`,
		`{"id":null,"method":"update","params":["` + id + `",{"Port":{"` + uuidA + `":{}}}]}`,
		`{"id":null,"method":"update","params":["` + id + `",{"Port":{"` + uuidA + `":{"new":{"tag":["bogus",1]}}}}]}`,
		`{"id":null,"method":"update2","params":["` + id + `",{}]}`,
	}
	for _, m := range hostile {
		ms.send(t, m)
	}
	ms.send(t, `{"id":null,"method":"update","params":["`+id+`",{"Port":{"`+uuidA+`":{"old":{"tag":1},"new":{"tag":3}}}}]}`)
	if ev := nextEvent(t, events); ev.Updates["Port"][uuidA].New["tag"] != int64(3) {
		t.Errorf("event after hostile messages = %+v, want the good update", ev)
	}
	if st := c.MonitorStats(); st.Malformed != uint64(len(hostile)) || st.Updates != 1 {
		t.Errorf("stats = %+v, want %d malformed and 1 update", st, len(hostile))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Transact(ctx, Select{Table: "Bridge"}); err != nil {
		t.Errorf("transaction after hostile messages: %v", err)
	}
	if !c.Connected() {
		t.Error("client disconnected by hostile messages")
	}
}

func TestMonitorRefused(t *testing.T) {
	s := newFakeServer(t, func(c net.Conn, req request) any {
		if req.Method == "monitor" {
			_ = json.NewEncoder(c).Encode(map[string]any{"id": req.ID, "result": nil,
				"error": map[string]any{"error": "unknown table", "details": "no table named Nope"}})
		}
		return nil
	})
	c := dialFake(t, s)
	err := c.Monitor(context.Background(), MonitorRequest{"Nope": nil}, func(MonitorEvent) { t.Error("event for a refused monitor") })
	if err == nil || !strings.Contains(err.Error(), "no table named Nope") {
		t.Fatalf("err = %v, want the server's refusal", err)
	}
	c.mu.Lock()
	n := len(c.monitors)
	c.mu.Unlock()
	if n != 0 {
		t.Errorf("%d monitors kept after a refusal, want 0", n)
	}
	if st := c.MonitorStats(); st.Malformed != 0 {
		t.Errorf("a refusal counted as malformed: %+v", st)
	}
}

func TestDecodeTableUpdates(t *testing.T) {
	ups, err := decodeTableUpdates(json.RawMessage(`{"Bridge":{"` + uuidA + `":{"new":{"name":"br-int","ports":["set",[["uuid","` + uuidB + `"]]]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseBridge(ups["Bridge"][uuidA].New)
	if err != nil || b.Name != "br-int" || len(b.Ports) != 1 || b.Ports[0] != uuidB {
		t.Errorf("bridge = %+v, %v", b, err)
	}
	for _, bad := range []string{`null`, `[]`, `{"Bridge":[]}`, `{"Bridge":{"x":{"new":{}}}}`} {
		if _, err := decodeTableUpdates(json.RawMessage(bad)); err == nil {
			t.Errorf("decodeTableUpdates(%s) succeeded", bad)
		}
	}
}
