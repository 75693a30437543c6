package ovsdb

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"sync"
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
//   - closes done, with the cause, when the connection is lost.
type wireConn struct {
	net.Conn
	dec *json.Decoder
	buf []byte // rest of the message being handed to the client

	mu      sync.Mutex
	byTag   map[string]chan json.RawMessage // correlation comment -> reply
	byID    map[string]chan json.RawMessage // request id -> reply
	done    chan struct{}
	doneErr error
	once    sync.Once
}

func newWireConn(c net.Conn) *wireConn {
	return &wireConn{
		Conn:  c,
		dec:   json.NewDecoder(c),
		byTag: make(map[string]chan json.RawMessage),
		byID:  make(map[string]chan json.RawMessage),
		done:  make(chan struct{}),
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
	n, err := w.Conn.Write(b)
	if err != nil {
		w.fail(err)
	}
	return n, err
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
		return true
	}
	if msg.Method == "echo" && len(msg.ID) > 0 && !bytes.Equal(msg.ID, []byte("null")) {
		reply, _ := json.Marshal(struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  any             `json:"error"`
		}{msg.ID, msg.Params, nil})
		if _, err := w.Conn.Write(append(reply, '\n')); err != nil {
			w.fail(err)
		}
		return false
	}
	var id string
	if json.Unmarshal(msg.ID, &id) != nil {
		return true
	}
	w.mu.Lock()
	ch, ok := w.byID[id]
	delete(w.byID, id)
	w.mu.Unlock()
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
