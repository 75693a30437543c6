package ovsdb

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"

	goovsdb "github.com/digitalocean/go-openvswitch/ovsdb"
)

// handshake checks a new connection before the client uses it: the server
// must answer go-openvswitch's list_dbs and echo requests, and list the
// client's database. go-openvswitch's client holds the connection for that
// long, through a handoffConn, and is closed before handshake returns, so
// from then on wireConn's calls are the only requests on the connection.
func handshake(ctx context.Context, w *wireConn, db string) error {
	h := w.handOff()
	defer w.takeBack()
	base, err := goovsdb.New(h)
	if err != nil {
		return fmt.Errorf("start the go-openvswitch client: %w", err)
	}
	defer func() { _ = base.Close() }()

	// go-openvswitch waits for a reply until ctx ends, even when the
	// connection is gone: end the wait with the connection.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-w.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	dbs, err := base.ListDatabases(ctx)
	if err == nil {
		err = base.Echo(ctx)
	}
	switch {
	case err != nil && w.err() != nil:
		return fmt.Errorf("%w: lost during the handshake: %w", ErrDisconnected, w.err())
	case err != nil:
		return fmt.Errorf("handshake: %w", err)
	case !slices.Contains(dbs, db):
		return fmt.Errorf("database %q: %w (the server has %v)", db, ErrUnknownDatabase, dbs)
	}
	return nil
}

// handOff lends the connection to go-openvswitch's client: the returned
// conn reads the replies no call of wireConn waits for, and writes straight
// to the socket.
func (w *wireConn) handOff() *handoffConn {
	h := &handoffConn{Conn: w.conn, w: w, in: make(chan json.RawMessage, 8), stop: make(chan struct{})}
	w.mu.Lock()
	w.handoff = h
	w.mu.Unlock()
	select {
	case <-w.done:
		h.end()
	default:
	}
	return h
}

// takeBack ends the loan made by handOff.
func (w *wireConn) takeBack() {
	w.mu.Lock()
	h := w.handoff
	w.handoff = nil
	w.mu.Unlock()
	if h != nil {
		h.end()
	}
}

// handoffConn is the connection as go-openvswitch's client sees it during
// the handshake: whole messages in, io.EOF once the loan ends or the
// connection fails (its receive loop then returns; any other read error
// would make it spin), and Close ends the loan without closing the socket.
type handoffConn struct {
	net.Conn
	w    *wireConn
	in   chan json.RawMessage
	buf  []byte
	stop chan struct{}
	once sync.Once
}

// deliver queues a reply for go-openvswitch's client; if it is not
// reading, the reply is dropped as stray rather than block receive.
func (h *handoffConn) deliver(raw json.RawMessage) {
	select {
	case h.in <- raw:
	case <-h.stop:
		h.w.stray(raw, "reply to the handshake after it ended")
	default:
		h.w.stray(raw, "reply to the handshake nobody reads")
	}
}

// end makes Read return io.EOF once the queued replies are read.
func (h *handoffConn) end() { h.once.Do(func() { close(h.stop) }) }

// Read hands go-openvswitch one whole message at a time.
func (h *handoffConn) Read(p []byte) (int, error) {
	for len(h.buf) == 0 {
		select {
		case raw := <-h.in:
			h.buf = append(append(h.buf[:0], raw...), '\n')
		case <-h.stop:
			return 0, io.EOF
		}
	}
	n := copy(p, h.buf)
	h.buf = h.buf[n:]
	return n, nil
}

// Write sends go-openvswitch's requests as they are.
func (h *handoffConn) Write(b []byte) (int, error) {
	select {
	case <-h.stop:
		return 0, net.ErrClosed
	default:
	}
	return h.w.write(b)
}

// Close ends the loan; the socket stays open.
func (h *handoffConn) Close() error {
	h.end()
	return nil
}

// SetDeadline, SetReadDeadline and SetWriteDeadline do nothing: the socket
// belongs to wireConn, and go-openvswitch bounds its waits with contexts.
func (h *handoffConn) SetDeadline(time.Time) error { return nil }

// SetReadDeadline does nothing (see SetDeadline).
func (h *handoffConn) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline does nothing (see SetDeadline).
func (h *handoffConn) SetWriteDeadline(time.Time) error { return nil }
