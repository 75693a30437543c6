package ovsdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// wireConn sits between the go-openvswitch client and the socket. That
// client frames messages, matches replies to requests and honours contexts,
// but it decodes transact replies into select rows only (dropping per-op
// errors, insert UUIDs and counts), never notices a lost connection (its
// callers wait until their contexts end) and spins when a read fails
// mid-message. wireConn therefore:
//   - hands it whole messages only, and io.EOF (never a partial message or
//     another error) when the socket fails, so its receive loop ends cleanly;
//   - keeps the raw reply of every transaction that carries a correlation
//     comment, for Client to decode in full;
//   - answers the server's echo requests itself;
//   - takes the server's notifications ("update" and any other request
//     without an id) and hands them to the notify hook: the go-openvswitch
//     client would dereference their null id and panic;
//   - sends requests of its own (call), such as monitor, whose replies it
//     keeps from the client, which knows nothing of them;
//   - drops, through the stray hook, anything else that is not a reply
//     with a string id: a message that is not a JSON object, or a reply
//     whose id is null (the client would crash on it) or not a string;
//   - closes done, with the cause, when the connection is lost.
type wireConn struct {
	net.Conn
	dec *json.Decoder
	buf []byte // rest of the message being handed to the client

	// notify receives each server notification, from the receive loop,
	// in the order the server sent them. It must not block.
	notify func(method string, params json.RawMessage)
	// stray receives each message dropped because nobody can take it.
	stray func(raw json.RawMessage, why string)

	wmu     sync.Mutex // one message at a time on the socket
	mu      sync.Mutex
	byTag   map[string]chan json.RawMessage // correlation comment -> reply
	byID    map[string]chan json.RawMessage // request id -> reply
	calls   map[string]func(json.RawMessage)
	callSeq atomic.Uint64
	done    chan struct{}
	doneErr error
	once    sync.Once
}

// callIDPrefix marks the ids of requests wireConn sends itself; the
// go-openvswitch client numbers its own requests with plain integers.
const callIDPrefix = "vtep-"

func newWireConn(c net.Conn) *wireConn {
	return &wireConn{
		Conn:   c,
		dec:    json.NewDecoder(c),
		notify: func(string, json.RawMessage) {},
		stray:  func(json.RawMessage, string) {},
		byTag:  make(map[string]chan json.RawMessage),
		byID:   make(map[string]chan json.RawMessage),
		calls:  make(map[string]func(json.RawMessage)),
		done:   make(chan struct{}),
	}
}

// expect registers interest in the reply to the transaction whose request
// carries the comment tag.
func (w *wireConn) expect(tag string) <-chan json.RawMessage {
	ch := make(chan json.RawMessage, 1)
	w.mu.Lock()
	w.byTag[tag] = ch
	w.mu.Unlock()
	return ch
}

// forget drops a registration made by expect (reply received or not).
func (w *wireConn) forget(tag string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := w.byTag[tag]
	delete(w.byTag, tag)
	for id, c := range w.byID {
		if c == ch {
			delete(w.byID, id)
		}
	}
}

// Write sees each request the client encodes (one Write per message) and
// binds the request id of a tagged transaction to its waiter.
func (w *wireConn) Write(b []byte) (int, error) {
	var req struct {
		ID     string            `json:"id"`
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(b, &req); err == nil && req.Method == "transact" && len(req.Params) > 0 {
		var c struct {
			Op      string `json:"op"`
			Comment string `json:"comment"`
		}
		if json.Unmarshal(req.Params[len(req.Params)-1], &c) == nil && c.Op == "comment" {
			w.mu.Lock()
			if ch, ok := w.byTag[c.Comment]; ok {
				w.byID[req.ID] = ch
			}
			w.mu.Unlock()
		}
	}
	return w.write(b)
}

// write sends one whole message.
func (w *wireConn) write(b []byte) (int, error) {
	w.wmu.Lock()
	n, err := w.Conn.Write(b)
	w.wmu.Unlock()
	if err != nil {
		w.fail(err)
	}
	return n, err
}

// call sends a request of wireConn's own and waits for its reply, which
// the client never sees. inOrder, if not nil, runs on the reply in the
// receive loop, before any message that follows it is looked at (so a
// monitor's initial rows come before its first update).
func (w *wireConn) call(ctx context.Context, method string, params []any, inOrder func(json.RawMessage)) (json.RawMessage, error) {
	id := callIDPrefix + strconv.FormatUint(w.callSeq.Add(1), 10)
	b, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		return nil, fmt.Errorf("encode %s request: %w", method, err)
	}
	reply := make(chan json.RawMessage, 1)
	w.mu.Lock()
	w.calls[id] = func(raw json.RawMessage) {
		if inOrder != nil {
			inOrder(raw)
		}
		reply <- raw
	}
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		delete(w.calls, id)
		w.mu.Unlock()
	}()
	if _, err := w.write(append(b, '\n')); err != nil {
		return nil, fmt.Errorf("send %s request: %w: %w", method, ErrDisconnected, err)
	}
	select {
	case raw := <-reply:
		return raw, nil
	case <-w.done:
		return nil, fmt.Errorf("%s: %w: lost while waiting for the reply: %w", method, ErrDisconnected, w.err())
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: waiting for the reply: %w", method, ctx.Err())
	}
}

// Read hands the client one whole message at a time.
func (w *wireConn) Read(p []byte) (int, error) {
	for len(w.buf) == 0 {
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			if err == io.EOF {
				err = errors.New("server closed the connection")
			}
			w.fail(err)
			return 0, io.EOF
		}
		if w.observe(raw) {
			w.buf = append(append(w.buf[:0], raw...), '\n')
		}
	}
	n := copy(p, w.buf)
	w.buf = w.buf[n:]
	return n, nil
}

// observe looks at one incoming message and reports whether the client
// should see it.
func (w *wireConn) observe(raw json.RawMessage) bool {
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(raw, &msg); err != nil {
		w.stray(raw, "not a JSON-RPC object: "+err.Error())
		return false
	}
	hasID := len(msg.ID) > 0 && !bytes.Equal(msg.ID, []byte("null"))
	switch {
	case msg.Method == "echo" && hasID:
		reply, _ := json.Marshal(struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  any             `json:"error"`
		}{msg.ID, msg.Params, nil})
		_, _ = w.write(append(reply, '\n'))
		return false
	case msg.Method != "" && !hasID:
		w.notify(msg.Method, msg.Params)
		return false
	case msg.Method != "":
		w.stray(raw, "request "+strconv.Quote(msg.Method)+" from the server is not supported")
		return false
	}
	var id string
	if !hasID || json.Unmarshal(msg.ID, &id) != nil {
		w.stray(raw, "reply without a string id")
		return false
	}
	w.mu.Lock()
	onReply, own := w.calls[id]
	delete(w.calls, id)
	ch, ok := w.byID[id]
	delete(w.byID, id)
	w.mu.Unlock()
	if own {
		onReply(raw)
		return false
	}
	if strings.HasPrefix(id, callIDPrefix) {
		return false // the reply to a call whose caller gave up
	}
	if ok {
		select {
		case ch <- raw:
		default:
		}
	}
	return true
}

// fail records why the connection ended, once, and closes it.
func (w *wireConn) fail(err error) {
	w.once.Do(func() {
		w.mu.Lock()
		w.doneErr = err
		w.mu.Unlock()
		close(w.done)
		_ = w.Conn.Close()
	})
}

// Close closes the connection.
func (w *wireConn) Close() error {
	w.fail(net.ErrClosed)
	return nil
}

// err returns why the connection ended (nil while it is up).
func (w *wireConn) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.doneErr
}
