package ovsdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/sirupsen/logrus"
)

// MonitorRequest names the columns to watch in each table (RFC 7047
// section 4.1.5). An empty column list watches every column.
type MonitorRequest map[string][]string

// RowUpdate is one row's change. Old is nil for an inserted row, New nil
// for a deleted one; for a modified row, Old holds only the columns that
// changed, with their previous values, and New the whole row.
type RowUpdate struct {
	Old Row
	New Row
}

// TableUpdates is the RFC 7047 <table-updates>: table -> row -> change.
type TableUpdates map[string]map[UUID]RowUpdate

// MonitorEvent is one delivery to a monitor's handler.
type MonitorEvent struct {
	// Initial says Updates holds every watched row as the server had it
	// when the monitor was established, or established again after a
	// reconnect: anything may have changed while the client was away.
	Initial bool
	Updates TableUpdates
}

// Summary describes the event in a few words for logs, such as
// "Port 1 modified, Interface 2 inserted".
func (e MonitorEvent) Summary() string {
	if e.Initial {
		return "initial rows"
	}
	tables := make([]string, 0, len(e.Updates))
	for t := range e.Updates {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	out := ""
	for _, t := range tables {
		var ins, mod, del int
		for _, u := range e.Updates[t] {
			switch {
			case u.Old == nil:
				ins++
			case u.New == nil:
				del++
			default:
				mod++
			}
		}
		for _, c := range []struct {
			n    int
			what string
		}{{ins, "inserted"}, {mod, "modified"}, {del, "deleted"}} {
			if c.n > 0 {
				if out != "" {
					out += ", "
				}
				out += t + " " + strconv.Itoa(c.n) + " " + c.what
			}
		}
	}
	return out
}

// MonitorStats counts the update notifications a Client has received, and
// the other messages from the server it could not use.
type MonitorStats struct {
	Updates   uint64 // notifications decoded and delivered
	Malformed uint64 // messages dropped as malformed or unexpected
	Late      uint64 // replies that came after their caller gave up
}

// monitor is one subscription, kept for the client's lifetime.
type monitor struct {
	id     string
	req    MonitorRequest
	handle func(MonitorEvent)
}

// monitorTimeout bounds the wait for the reply to a monitor request sent
// after a reconnect.
const monitorTimeout = 10 * time.Second

// Monitor subscribes to changes of the tables and columns in req (RFC 7047
// "monitor"). handle first gets the current rows (Initial), then every
// change. The subscription lasts as long as the Client: after a reconnect
// it is established again and handle gets the rows afresh (Initial again),
// before OnState's function hears of the new connection.
//
// handle runs in the client's receive loop, one event at a time and in
// order: it must return quickly and must not call the Client.
//
// Monitor returns once the server has accepted the subscription. If the
// server refuses it, the subscription is dropped; if the connection is down
// or lost meanwhile, the error matches ErrDisconnected and the subscription
// stays, to be established on the next connection.
func (c *Client) Monitor(ctx context.Context, req MonitorRequest, handle func(MonitorEvent)) error {
	if len(req) == 0 || handle == nil {
		return errors.New("monitor: no tables or no handler")
	}
	m := &monitor{id: "vtep-monitor-" + strconv.FormatUint(c.monitorSeq.Add(1), 10), req: req, handle: handle}
	c.mu.Lock()
	c.monitors = append(c.monitors, m)
	s := c.sess
	c.mu.Unlock()
	if s == nil {
		return &ConnError{Target: c.target, Err: fmt.Errorf("monitor: %w", ErrDisconnected)}
	}
	err := c.subscribe(ctx, s, m)
	if err != nil && !errors.Is(err, ErrDisconnected) {
		c.mu.Lock()
		for i, x := range c.monitors {
			if x == m {
				c.monitors = append(c.monitors[:i], c.monitors[i+1:]...)
				break
			}
		}
		c.mu.Unlock()
	}
	return err
}

// subscribe sends m's monitor request on session s, once per session.
func (c *Client) subscribe(ctx context.Context, s *session, m *monitor) error {
	s.mu.Lock()
	if s.monitored[m.id] {
		s.mu.Unlock()
		return nil
	}
	s.monitored[m.id] = true
	s.mu.Unlock()
	reqs := make(map[string]any, len(m.req))
	for table, cols := range m.req {
		r := map[string]any{}
		if len(cols) > 0 {
			r["columns"] = cols
		}
		reqs[table] = r
	}
	r, err := s.wire.call(ctx, "monitor", []any{c.db, m.id, reqs}, func(r response) {
		ups, err := decodeMonitorReply(r)
		switch {
		case errors.Is(err, errMonitorRefused):
		case err != nil:
			c.malformed(r.Result, err.Error())
		default:
			m.handle(MonitorEvent{Initial: true, Updates: ups})
		}
	})
	if err != nil {
		if errors.Is(err, ErrDisconnected) {
			return &ConnError{Target: c.target, Err: err}
		}
		return err
	}
	if _, err := decodeMonitorReply(r); err != nil {
		s.mu.Lock()
		delete(s.monitored, m.id)
		s.mu.Unlock()
		return fmt.Errorf("monitor %s: %w", m.id, err)
	}
	return nil
}

// errMonitorRefused marks the server's error reply to a monitor request.
var errMonitorRefused = errors.New("server refused the monitor")

// decodeMonitorReply decodes the reply to a monitor request: the initial
// rows, or the server's error (nil updates and a non-nil error).
func decodeMonitorReply(r response) (TableUpdates, error) {
	if r.Error != nil {
		return nil, fmt.Errorf("%w: %s: %s", errMonitorRefused, r.Error.Error, r.Error.Details)
	}
	return decodeTableUpdates(r.Result)
}

// decodeTableUpdates decodes an RFC 7047 <table-updates> object.
func decodeTableUpdates(raw json.RawMessage) (TableUpdates, error) {
	var tables map[string]map[string]struct {
		Old *Row `json:"old"`
		New *Row `json:"new"`
	}
	if err := json.Unmarshal(raw, &tables); err != nil {
		return nil, fmt.Errorf("decode table updates: %w", err)
	}
	if tables == nil {
		return nil, errors.New("decode table updates: not an object")
	}
	out := make(TableUpdates, len(tables))
	for table, rows := range tables {
		out[table] = make(map[UUID]RowUpdate, len(rows))
		for id, u := range rows {
			if !isUUID(id) {
				return nil, &FieldError{Field: "table updates " + table, Value: id, Reason: "is not a row uuid"}
			}
			if u.Old == nil && u.New == nil {
				return nil, &FieldError{Field: "table updates " + table, Value: id, Reason: "has neither old nor new"}
			}
			var ru RowUpdate
			if u.Old != nil {
				ru.Old = *u.Old
			}
			if u.New != nil {
				ru.New = *u.New
			}
			out[table][UUID(id)] = ru
		}
	}
	return out, nil
}

// isUUID reports whether s has the form 8-4-4-4-12 of hex digits.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if r != '-' {
				return false
			}
		case !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F'):
			return false
		}
	}
	return true
}

// dispatch takes a server notification from the receive loop.
func (c *Client) dispatch(method string, params json.RawMessage) {
	if method != "update" {
		c.malformed(params, "notification "+strconv.Quote(method)+" was not asked for")
		return
	}
	var p []json.RawMessage
	if err := json.Unmarshal(params, &p); err != nil || len(p) != 2 {
		c.malformed(params, "update params are not [monitor id, table updates]")
		return
	}
	var id string
	if err := json.Unmarshal(p[0], &id); err != nil {
		c.malformed(params, "update for a monitor id that is not a string")
		return
	}
	var m *monitor
	c.mu.Lock()
	for _, x := range c.monitors {
		if x.id == id {
			m = x
		}
	}
	c.mu.Unlock()
	if m == nil {
		c.malformed(params, "update for unknown monitor "+strconv.Quote(id))
		return
	}
	ups, err := decodeTableUpdates(p[1])
	if err != nil {
		c.malformed(params, err.Error())
		return
	}
	c.updates.Add(1)
	m.handle(MonitorEvent{Updates: ups})
}

// malformed logs and counts a message dropped from the server.
func (c *Client) malformed(raw json.RawMessage, why string) {
	c.nMalformed.Add(1)
	const maxShown = 200
	shown := string(raw)
	if len(shown) > maxShown {
		shown = shown[:maxShown] + "..."
	}
	c.log.WithFields(logrus.Fields{"reason": why, "message": shown}).Warn("ovsdb message from the server dropped")
}

// lateReply counts, and logs at debug level, a reply that came after its
// caller gave up waiting for it.
func (c *Client) lateReply(id string) {
	c.nLate.Add(1)
	c.log.WithFields(logrus.Fields{"id": id}).Debug("ovsdb reply came after its caller gave up; dropped")
}

// MonitorStats returns how many update notifications were delivered and
// how many messages were dropped as malformed.
func (c *Client) MonitorStats() MonitorStats {
	return MonitorStats{Updates: c.updates.Load(), Malformed: c.nMalformed.Load(), Late: c.nLate.Load()}
}

// resubscribe establishes every monitor on a new session.
func (c *Client) resubscribe(s *session) {
	c.mu.Lock()
	ms := append([]*monitor(nil), c.monitors...)
	c.mu.Unlock()
	for _, m := range ms {
		ctx, cancel := context.WithTimeout(context.Background(), monitorTimeout)
		err := c.subscribe(ctx, s, m)
		cancel()
		if err != nil {
			c.log.WithFields(logrus.Fields{"monitor": m.id, "error": err}).Warn("could not re-establish ovsdb monitor")
		}
	}
}
