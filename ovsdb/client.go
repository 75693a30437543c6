package ovsdb

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// DefaultDatabase is the database Open vSwitch keeps its configuration in.
const DefaultDatabase = "Open_vSwitch"

// State is the state of a Client's connection.
type State int

// Connection states passed to the function given with OnState.
const (
	Disconnected State = iota
	Connected
)

func (s State) String() string {
	if s == Connected {
		return "connected"
	}
	return "disconnected"
}

// Option configures a Client.
type Option func(*Client)

// WithLogger sets the logger (default logrus.StandardLogger()).
func WithLogger(l logrus.FieldLogger) Option { return func(c *Client) { c.log = l } }

// WithBackoff sets the first and the longest wait between reconnection
// attempts (default 100ms and 5s); the wait doubles after each failure.
func WithBackoff(first, max time.Duration) Option {
	return func(c *Client) { c.minBackoff, c.maxBackoff = first, max }
}

// WithProbe makes the client send an echo request every interval and drop
// (then re-establish) a connection that does not answer within it. 0, the
// default for unix sockets, disables probing; tcp targets default to 5s.
func WithProbe(interval time.Duration) Option {
	return func(c *Client) { c.probe = interval; c.probeSet = true }
}

// OnState sets a function called (from the client's own goroutine, in
// order) whenever the connection goes down, with the cause, or comes back.
func OnState(f func(s State, err error)) Option { return func(c *Client) { c.onState = f } }

// WithDatabase sets the database name (default DefaultDatabase).
func WithDatabase(db string) Option { return func(c *Client) { c.db = db } }

// Client is a long-lived OVSDB client for one server. It checks each new
// connection with go-openvswitch's ovsdb client (list_dbs, echo), then sends
// its own requests: transactions with full results and typed errors, and
// monitors. It reports a lost connection to callers in flight and
// reconnects with backoff. It is safe for concurrent use.
type Client struct {
	target        string
	network, addr string
	db            string
	log           logrus.FieldLogger
	minBackoff    time.Duration
	maxBackoff    time.Duration
	probe         time.Duration
	probeSet      bool
	onState       func(State, error)
	txnSeq        atomic.Uint64
	monitorSeq    atomic.Uint64
	updates       atomic.Uint64
	nMalformed    atomic.Uint64
	nLate         atomic.Uint64
	mu            sync.Mutex
	sess          *session
	monitors      []*monitor
	up            chan struct{} // closed while connected
	closed        bool
	stop          chan struct{}
	wg            sync.WaitGroup
}

// session is one connection that passed the handshake.
type session struct {
	wire *wireConn

	mu        sync.Mutex
	monitored map[string]bool // monitor ids established on this connection
}

// ParseTarget splits an OVSDB target, "unix:PATH" or "tcp:HOST:PORT", into
// a network and address for net.Dial.
func ParseTarget(target string) (network, addr string, err error) {
	kind, rest, ok := strings.Cut(target, ":")
	switch {
	case !ok || rest == "":
	case kind == "unix":
		return "unix", rest, nil
	case kind == "tcp":
		if _, _, err := net.SplitHostPort(rest); err == nil {
			return "tcp", rest, nil
		}
	}
	return "", "", &FieldError{Field: "ovsdb target", Value: target, Reason: `want "unix:PATH" or "tcp:HOST:PORT"`}
}

// Dial connects to the server at target ("unix:PATH" or "tcp:HOST:PORT").
// The first connection must succeed within ctx; after that the Client
// reconnects on its own until Close.
func Dial(ctx context.Context, target string, opts ...Option) (*Client, error) {
	network, addr, err := ParseTarget(target)
	if err != nil {
		return nil, err
	}
	c := &Client{
		target: target, network: network, addr: addr, db: DefaultDatabase,
		log: logrus.StandardLogger(), minBackoff: 100 * time.Millisecond, maxBackoff: 5 * time.Second,
		up: make(chan struct{}), stop: make(chan struct{}),
	}
	for _, o := range opts {
		o(c)
	}
	if !c.probeSet && network == "tcp" {
		c.probe = 5 * time.Second
	}
	c.log = c.log.WithFields(logrus.Fields{"ovsdb": target})
	s, err := c.connect(ctx)
	if err != nil {
		return nil, &ConnError{Target: target, Err: err}
	}
	c.setSession(s)
	c.wg.Add(1)
	go c.supervise(s)
	return c, nil
}

// connect opens one connection and checks it (see handshake).
func (c *Client) connect(ctx context.Context) (*session, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, c.network, c.addr)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	w := newWireConn(conn, c.dispatch, c.malformed, c.lateReply)
	go w.receive()
	if err := handshake(ctx, w, c.db); err != nil {
		_ = w.Close()
		return nil, err
	}
	return &session{wire: w, monitored: map[string]bool{}}, nil
}

func (c *Client) setSession(s *session) {
	c.mu.Lock()
	c.sess = s
	close(c.up)
	c.mu.Unlock()
}

// supervise watches the session, and when it ends reconnects with backoff
// until the client is closed.
func (c *Client) supervise(s *session) {
	defer c.wg.Done()
	for {
		c.watch(s)
		cause := s.wire.err()
		_ = s.wire.Close()
		c.mu.Lock()
		c.sess = nil
		c.up = make(chan struct{})
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return
		}
		c.log.WithFields(logrus.Fields{"error": cause}).Warn("ovsdb connection lost, reconnecting")
		c.notify(Disconnected, cause)
		s = c.reconnect()
		if s == nil {
			return
		}
		c.setSession(s)
		c.log.Info("ovsdb connection re-established")
		c.resubscribe(s)
		c.notify(Connected, nil)
	}
}

// watch returns when the session's connection ends or the client closes,
// probing the server meanwhile if configured.
func (c *Client) watch(s *session) {
	var tick <-chan time.Time
	if c.probe > 0 {
		t := time.NewTicker(c.probe)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-s.wire.done:
			return
		case <-c.stop:
			s.wire.fail(net.ErrClosed)
			return
		case <-tick:
			ctx, cancel := context.WithTimeout(context.Background(), c.probe)
			err := s.echo(ctx)
			cancel()
			if err != nil {
				s.wire.fail(fmt.Errorf("no reply to echo within %v: %w", c.probe, err))
				return
			}
		}
	}
}

// reconnect dials until it succeeds (nil if the client is closed first).
func (c *Client) reconnect() *session {
	wait := c.minBackoff
	for attempt := 1; ; attempt++ {
		select {
		case <-c.stop:
			return nil
		case <-time.After(wait):
		}
		ctx, cancel := context.WithTimeout(context.Background(), c.maxBackoff)
		s, err := c.connect(ctx)
		cancel()
		if err == nil {
			return s
		}
		c.log.WithFields(logrus.Fields{"attempt": attempt, "error": err, "retry_in": 2 * wait}).Debug("ovsdb reconnect failed")
		wait = min(2*wait, c.maxBackoff)
	}
}

func (c *Client) notify(s State, err error) {
	if c.onState != nil {
		c.onState(s, err)
	}
}

// Close closes the connection and stops reconnecting.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.stop)
	c.mu.Unlock()
	c.wg.Wait()
	return nil
}

// Target returns the server address the client was dialed with.
func (c *Client) Target() string { return c.target }

// Connected reports whether the client currently has a connection.
func (c *Client) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess != nil
}

// WaitConnected blocks until the client is connected or ctx ends.
func (c *Client) WaitConnected(ctx context.Context) error {
	c.mu.Lock()
	up := c.up
	c.mu.Unlock()
	select {
	case <-up:
		return nil
	case <-ctx.Done():
		return &ConnError{Target: c.target, Err: fmt.Errorf("%w: %w", ErrDisconnected, ctx.Err())}
	}
}

// Pending returns the number of requests (transactions, monitors, echo
// probes) sent on the current connection whose replies have not arrived
// and whose callers still wait for them.
func (c *Client) Pending() int {
	s := c.session()
	if s == nil {
		return 0
	}
	return s.wire.inFlight()
}

func (c *Client) session() *session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess
}

// Transact runs ops as one transaction and returns one Result per op. A
// failed op comes back as a *TransactError naming the op, table, column and
// value; a lost or missing connection as a *ConnError (ErrDisconnected);
// ctx's deadline bounds the wait for the reply.
func (c *Client) Transact(ctx context.Context, ops ...Op) ([]Result, error) {
	return c.transact(ctx, "transact", ops)
}
