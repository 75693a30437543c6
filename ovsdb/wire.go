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
	"sync"
	"sync/atomic"
)

// wireConn is one connection to the server and the only place requests
// are matched to replies. It alone reads the socket (receive), in a
// goroutine of its own, and it alone numbers requests (call): each request
// gets a fresh id, a pending entry waits for it, and the reply with that id
// is delivered to that entry once. Nothing wireConn or anybody else sends
// is parsed again on the way out.
//
// For each incoming message, receive:
//   - answers the server's echo requests;
//   - hands notifications (requests without an id, such as "update") to
//     the notify hook, in the order the server sent them;
//   - delivers a reply to the call waiting for its id, after running that
//     call's inOrder function, if any, before it looks at the next message;
//   - while go-openvswitch's client holds the connection for the connect
//     handshake (handOff), hands it the replies no call waits for;
//   - hands the late hook the id of a reply whose caller gave up;
//   - drops through the stray hook anything else: a message that is not a
//     JSON object, a request from the server it does not serve, a reply
//     without a string id, to an id never sent, or a second reply to one;
//   - on a read error (the server closed the connection, perhaps in the
//     middle of a message) fails the connection, which closes done and
//     wakes every caller in flight.
type wireConn struct {
	conn net.Conn
	dec  *json.Decoder

	// notify receives each server notification, from the receive loop,
	// in order. It must not block.
	notify func(method string, params json.RawMessage)
	// stray receives each message dropped because nobody can take it.
	stray func(raw json.RawMessage, why string)
	// late receives the id of each reply that came after its caller gave up.
	late func(id string)

	wmu       sync.Mutex // one message at a time on the socket
	mu        sync.Mutex
	pending   map[string]*pendingCall
	abandoned map[string]bool // ids whose callers gave up before the reply
	handoff   *handoffConn    // go-openvswitch's view, during the handshake
	seq       atomic.Uint64
	done      chan struct{}
	doneErr   error
	once      sync.Once
}

// pendingCall is a request sent and waiting for its reply.
type pendingCall struct {
	reply   chan response // buffered: receive never blocks on it
	inOrder func(response)
}

// response is a reply as receive decoded it: its result, or the error the
// server answered with instead (Error is nil on success).
type response struct {
	Result json.RawMessage
	Error  *rpcError
	bad    error // the reply could not be read (counted as stray)
}

// rpcError is a JSON-RPC error object from ovsdb-server: {"error": kind,
// "details": text}, or, from other servers, any JSON value (kept in Error).
type rpcError struct {
	Error   string `json:"error"`
	Details string `json:"details"`
}

// maxAbandoned bounds the ids remembered for callers that gave up; beyond
// it a late reply counts as stray, like a reply to an unknown id.
const maxAbandoned = 1024

// callIDPrefix starts the id of every request the client sends.
const callIDPrefix = "vtep-"

func newWireConn(c net.Conn, notify func(string, json.RawMessage), stray func(json.RawMessage, string), late func(string)) *wireConn {
	return &wireConn{
		conn:      c,
		dec:       json.NewDecoder(c),
		notify:    notify,
		stray:     stray,
		late:      late,
		pending:   make(map[string]*pendingCall),
		abandoned: make(map[string]bool),
		done:      make(chan struct{}),
	}
}

// write sends one whole message; a failed write fails the connection.
func (w *wireConn) write(b []byte) (int, error) {
	w.wmu.Lock()
	n, err := w.conn.Write(b)
	w.wmu.Unlock()
	if err != nil {
		w.fail(fmt.Errorf("write: %w", err))
	}
	return n, err
}

// call sends a request and waits for its reply, ctx's end or the end of the
// connection. A server's error reply is returned as the response's Error,
// not as err. inOrder, if not nil, runs on the reply in the receive loop,
// before any message that follows it is looked at (so a monitor's initial
// rows come before its first update).
func (w *wireConn) call(ctx context.Context, method string, params []any, inOrder func(response)) (response, error) {
	id := callIDPrefix + strconv.FormatUint(w.seq.Add(1), 10)
	b, err := json.Marshal(struct {
		ID     string `json:"id"`
		Method string `json:"method"`
		Params []any  `json:"params"`
	}{id, method, params})
	if err != nil {
		return response{}, fmt.Errorf("encode %s request: %w", method, err)
	}
	if err := ctx.Err(); err != nil {
		return response{}, fmt.Errorf("%s: not sent: %w", method, err)
	}
	p := &pendingCall{reply: make(chan response, 1), inOrder: inOrder}
	w.mu.Lock()
	w.pending[id] = p
	w.mu.Unlock()
	defer w.giveUp(id)
	if _, err := w.write(append(b, '\n')); err != nil {
		return response{}, fmt.Errorf("send %s request: %w: %w", method, ErrDisconnected, err)
	}
	r, err := w.await(ctx, method, p)
	if err == nil && r.bad != nil {
		err = fmt.Errorf("%s: malformed reply: %w", method, r.bad)
	}
	return r, err
}

// await waits for p's reply, ctx's end or the end of the connection,
// whichever comes first; a reply already there wins.
func (w *wireConn) await(ctx context.Context, method string, p *pendingCall) (response, error) {
	select {
	case r := <-p.reply:
		return r, nil
	case <-w.done:
		select {
		case r := <-p.reply: // the reply came just before the end
			return r, nil
		default:
		}
		return response{}, fmt.Errorf("%s: %w: lost while waiting for the reply: %w", method, ErrDisconnected, w.err())
	case <-ctx.Done():
		select {
		case r := <-p.reply:
			return r, nil
		default:
		}
		return response{}, fmt.Errorf("%s: waiting for the reply: %w", method, ctx.Err())
	}
}

// giveUp drops id's pending entry if its reply has not come, remembering
// the id so that a reply coming later is known for a late one.
func (w *wireConn) giveUp(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.pending[id]; !ok {
		return
	}
	delete(w.pending, id)
	if len(w.abandoned) < maxAbandoned {
		w.abandoned[id] = true
	}
}

// inFlight returns the number of calls waiting for their replies.
func (w *wireConn) inFlight() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending)
}

// receive reads messages until the connection fails.
func (w *wireConn) receive() {
	for {
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			switch {
			case err == io.EOF:
				err = errors.New("server closed the connection")
			case errors.Is(err, io.ErrUnexpectedEOF):
				err = fmt.Errorf("server closed the connection in the middle of a message: %w", err)
			default:
				err = fmt.Errorf("read: %w", err)
			}
			w.fail(err)
			w.mu.Lock()
			h := w.handoff
			w.mu.Unlock()
			if h != nil {
				h.end()
			}
			return
		}
		w.observe(raw)
	}
}

// envelope is any JSON-RPC message: a request, a notification or a reply.
type envelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// observe takes one incoming message.
func (w *wireConn) observe(raw json.RawMessage) {
	var msg envelope
	if err := json.Unmarshal(raw, &msg); err != nil {
		w.stray(raw, "not a JSON-RPC object: "+err.Error())
		return
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
	case msg.Method != "" && !hasID:
		w.notify(msg.Method, msg.Params)
	case msg.Method != "":
		w.stray(raw, "request "+strconv.Quote(msg.Method)+" from the server is not supported")
	default:
		w.reply(raw, msg)
	}
}

// reply delivers a reply to the call waiting for its id.
func (w *wireConn) reply(raw json.RawMessage, msg envelope) {
	var id string
	if len(msg.ID) == 0 || bytes.Equal(msg.ID, []byte("null")) || json.Unmarshal(msg.ID, &id) != nil {
		w.stray(raw, "reply without a string id")
		return
	}
	w.mu.Lock()
	p, ok := w.pending[id]
	delete(w.pending, id)
	late := w.abandoned[id]
	delete(w.abandoned, id)
	h := w.handoff
	w.mu.Unlock()
	switch {
	case ok:
		r, err := decodeResponse(msg)
		if err != nil {
			w.stray(raw, err.Error())
			r = response{bad: err}
		} else if p.inOrder != nil {
			p.inOrder(r)
		}
		p.reply <- r
	case late:
		w.late(id)
	case h != nil:
		h.deliver(raw)
	default:
		w.stray(raw, "reply to "+strconv.Quote(id)+", which no request waits for (unknown id or a second reply)")
	}
}

// decodeResponse reads the result or the error of a reply.
func decodeResponse(msg envelope) (response, error) {
	if len(msg.Error) == 0 || bytes.Equal(msg.Error, []byte("null")) {
		if len(msg.Result) == 0 {
			return response{}, errors.New("reply has neither result nor error")
		}
		return response{Result: msg.Result}, nil
	}
	e := &rpcError{}
	if json.Unmarshal(msg.Error, e) != nil || e.Error == "" {
		e = &rpcError{Error: string(msg.Error)}
	}
	return response{Error: e}, nil
}

// fail records why the connection ended, once, and closes it.
func (w *wireConn) fail(err error) {
	w.once.Do(func() {
		w.mu.Lock()
		w.doneErr = err
		w.mu.Unlock()
		close(w.done)
		_ = w.conn.Close()
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
