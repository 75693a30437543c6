package ofapp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// Config tunes a Controller. The zero value works: every zero field gets the
// default named in its comment.
type Config struct {
	// Logger receives structured logs; every session line carries "dpid".
	// Default: logrus.StandardLogger().
	Logger logrus.FieldLogger
	// HandshakeTimeout bounds HELLO and FEATURES exchange. Default 10s.
	HandshakeTimeout time.Duration
	// EchoInterval is how long a quiet peer is left alone before an
	// ECHO_REQUEST goes out. Default 5s.
	EchoInterval time.Duration
	// EchoTimeout is how much longer the peer may stay quiet before the
	// session is declared dead. Default 10s.
	EchoTimeout time.Duration
	// WriteTimeout bounds one write to the connection. Default 30s.
	WriteTimeout time.Duration
	// MissSendLen is sent in SET_CONFIG. Default 0xffff (OFPCML_NO_BUFFER).
	MissSendLen uint16
	// OnPacketIn, if set, is called for every PACKET_IN on the switch's
	// reader goroutine; it must not block.
	OnPacketIn func(*Switch, PacketIn)
	// MaxConnections caps the connections Serve keeps at once, in
	// handshake or in session; more are closed at accept. Default 64.
	MaxConnections int
	// MaxHandshakes caps the accepted connections that have not finished
	// their handshake; more are closed at accept. Default 16.
	MaxHandshakes int
	// PeerUIDs are the users, besides root and vtepd's own, whose
	// processes may connect over a unix socket (the user ovs-vswitchd
	// runs as); others are refused at accept.
	PeerUIDs []uint32
	// TakeoverProbe bounds the echo that asks a live session whether it
	// still answers when a new connection presents its datapath ID.
	// Default 2s.
	TakeoverProbe time.Duration
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = logrus.StandardLogger()
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = 10 * time.Second
	}
	if c.EchoInterval == 0 {
		c.EchoInterval = 5 * time.Second
	}
	if c.EchoTimeout == 0 {
		c.EchoTimeout = 10 * time.Second
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 30 * time.Second
	}
	if c.MissSendLen == 0 {
		c.MissSendLen = 0xffff
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.MaxHandshakes == 0 {
		c.MaxHandshakes = DefaultMaxHandshakes
	}
	if c.TakeoverProbe == 0 {
		c.TakeoverProbe = 2 * time.Second
	}
	return c
}

// Controller accepts switch connections (or makes them), runs one Session
// per switch and keeps the current session of each datapath ID.
type Controller struct {
	cfg    Config
	log    logrus.FieldLogger
	events *eventQueue

	mu       sync.Mutex
	switches map[uint64]*Switch
	changed  chan struct{} // closed and replaced whenever switches changes
	wg       sync.WaitGroup
	stop     chan struct{}
	stopCtx  context.Context // cancelled with stop
	cancel   context.CancelFunc
	stopOnce sync.Once

	adm admission
}

// NewController returns a controller; call Serve or Connect to get switches
// and Close to end every session.
func NewController(cfg Config) *Controller {
	cfg = cfg.withDefaults()
	c := &Controller{
		cfg:      cfg,
		log:      cfg.Logger,
		events:   newEventQueue(),
		switches: map[uint64]*Switch{},
		changed:  make(chan struct{}),
		stop:     make(chan struct{}),
	}
	c.stopCtx, c.cancel = context.WithCancel(context.Background())
	go c.events.run(c.stop)
	return c
}

// Events returns the channel of switch and port events. Events queue without
// bound until read, so a slow reader never stalls a session; the channel is
// closed by Close.
func (c *Controller) Events() <-chan Event { return c.events.out }

// Serve accepts switch connections on ln until ctx is cancelled or Close is
// called, then closes ln and returns nil; it returns an error if accepting fails.
func (c *Controller) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-ctx.Done():
		case <-c.stop:
		}
		ln.Close()
	}()
	c.log.WithField("listen", ln.Addr().String()).Info("accepting switch connections")
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || c.stopped() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("accept on %s: %w", ln.Addr(), err)
		}
		// The handshake, TLS's included, must end this long after accept.
		conn.SetDeadline(time.Now().Add(c.cfg.HandshakeTimeout))
		p, ok := c.admit(conn)
		if !ok {
			conn.Close()
			continue
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			defer c.adm.conns.Add(-1)
			_, err := c.run(ctx, conn, p, nil)
			c.logSessionError(p, err)
		}()
	}
}

// ServeConn runs one switch session on an established connection (for
// example one end of net.Pipe) until it ends; it returns an error if the
// handshake or configuration fails.
func (c *Controller) ServeConn(ctx context.Context, conn net.Conn) error {
	c.wg.Add(1)
	defer c.wg.Done()
	_, err := c.run(ctx, conn, &peer{remote: remote(conn)}, nil)
	return err
}

// Connect makes an active connection to a switch's listener ("unix:PATH",
// e.g. a bridge's BRIDGE.mgmt socket, or "tcp:HOST:PORT"), does the
// handshake and returns the session; it runs until ctx ends or Close.
func (c *Controller) Connect(ctx context.Context, target string) (*Switch, error) {
	network, addr := splitTarget(target)
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", target, err)
	}
	ready := make(chan *Switch, 1)
	errc := make(chan error, 1)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		_, err := c.run(ctx, conn, &peer{remote: remote(conn)}, ready)
		errc <- err
	}()
	select {
	case s := <-ready:
		return s, nil
	case err := <-errc:
		if err == nil {
			err = ErrClosed
		}
		return nil, fmt.Errorf("connect %s: %w", target, err)
	}
}

func (c *Controller) stopped() bool {
	select {
	case <-c.stop:
		return true
	default:
		return false
	}
}

func remote(conn net.Conn) string {
	if a := conn.RemoteAddr(); a != nil && a.String() != "" {
		return a.String()
	}
	return conn.LocalAddr().Network()
}

// run handshakes and serves one connection until it ends.
func (c *Controller) run(ctx context.Context, conn net.Conn, p *peer, ready chan<- *Switch) (*Switch, error) {
	s, br, unwatch, err := c.open(ctx, conn, p)
	if err != nil {
		return nil, err
	}
	defer unwatch()
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); s.writer() }()
	go func() { defer wg.Done(); s.reader(br) }()
	go func() { defer wg.Done(); s.keepalive() }()

	// SET_CONFIG, then the session is usable.
	xid := s.nextXID()
	if err := s.send(ctx, appendSetConfig(getBuf(), xid, c.cfg.MissSendLen)); err == nil {
		err = s.Barrier(ctx)
		if err != nil {
			s.shutdown(err)
		}
	}
	if err := s.Err(); err != nil {
		wg.Wait()
		close(s.done)
		return nil, fmt.Errorf("switch %s: configure: %w", DPIDString(s.DPID()), err)
	}

	c.attach(s)
	if ready != nil {
		ready <- s
	}
	<-s.closed
	wg.Wait()
	close(s.done)
	c.detach(s)
	return s, nil
}

// open handshakes on a new connection and, unless a live session of the
// same datapath keeps it, readies the session: until then a connection
// holds only a small read buffer and one goroutine.
func (c *Controller) open(ctx context.Context, conn net.Conn, p *peer) (*Switch, *bufio.Reader, func(), error) {
	s := &Switch{
		cfg:    &c.cfg,
		conn:   conn,
		peer:   p.remote,
		log:    c.log.WithFields(logrus.Fields{"dpid": "-", "remote": p.remote}),
		closed: make(chan struct{}),
		done:   make(chan struct{}),
		events: c.events.push,
	}
	stopWatch := context.AfterFunc(ctx, func() { s.shutdown(ctx.Err()) })
	stopClose := context.AfterFunc(c.stopCtx, func() { s.shutdown(ErrClosed) })
	deadline := p.deadline
	if deadline.IsZero() {
		deadline = time.Now().Add(c.cfg.HandshakeTimeout)
	}
	small := bufio.NewReaderSize(conn, handshakeBufSize)
	err := s.handshake(small, deadline)
	if err != nil {
		err = &handshakeError{err}
	}
	if p.handshaking {
		c.adm.handshakes.Add(-1)
	}
	if err == nil {
		s.log = c.log.WithFields(logrus.Fields{"dpid": DPIDString(s.DPID()), "remote": p.remote})
		if p.accepted {
			err = c.checkTakeover(s)
		}
	}
	if err != nil {
		stopWatch()
		stopClose()
		s.shutdown(err)
		close(s.done)
		return nil, nil, nil, err
	}
	s.out = make(chan []byte, 64)
	s.ctrl = make(chan []byte, 1024)
	s.pending = map[uint32]*request{}
	s.lastRecv.Store(time.Now().UnixNano())
	return s, growReader(small, conn), func() { stopWatch(); stopClose() }, nil
}

// handshakeBufSize is the read buffer of a connection in handshake: HELLO
// and FEATURES_REPLY are a few dozen bytes.
const handshakeBufSize = 256

// sessionBufSize is the read buffer of a session.
const sessionBufSize = 64 << 10

// growReader returns a session-sized reader on conn that first yields
// what small has buffered.
func growReader(small *bufio.Reader, conn net.Conn) *bufio.Reader {
	n := small.Buffered()
	if n == 0 {
		return bufio.NewReaderSize(conn, sessionBufSize)
	}
	rest, _ := small.Peek(n)
	return bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(rest)), conn), sessionBufSize)
}

// attach makes s the session of its datapath, closing the one it replaces.
func (c *Controller) attach(s *Switch) {
	c.mu.Lock()
	old := c.switches[s.DPID()]
	c.switches[s.DPID()] = s
	c.notifyLocked()
	c.mu.Unlock()
	if old != nil {
		s.log.Info("switch reconnected; closing its previous session")
		old.shutdown(errors.New("replaced by a new session of the same datapath"))
	}
	s.log.WithField("tables", s.features.NTables).Info("switch connected")
	c.events.push(Event{Type: SwitchConnected, DPID: s.DPID(), Switch: s})
}

// detach forgets an ended session, unless a newer one replaced it.
func (c *Controller) detach(s *Switch) {
	c.mu.Lock()
	if c.switches[s.DPID()] == s {
		delete(c.switches, s.DPID())
		c.notifyLocked()
	}
	c.mu.Unlock()
	s.log.WithError(s.closeErr).Info("switch disconnected")
	c.events.push(Event{Type: SwitchDisconnected, DPID: s.DPID(), Switch: s, Err: s.closeErr})
}

func (c *Controller) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Switch returns the current session of a datapath.
func (c *Controller) Switch(dpid uint64) (*Switch, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.switches[dpid]
	return s, ok
}

// Switches returns every connected switch.
func (c *Controller) Switches() []*Switch {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Switch, 0, len(c.switches))
	for _, s := range c.switches {
		out = append(out, s)
	}
	return out
}

// WaitSwitch waits until a switch with this datapath ID is connected; a dpid
// of 0 means any switch.
func (c *Controller) WaitSwitch(ctx context.Context, dpid uint64) (*Switch, error) {
	for {
		c.mu.Lock()
		ch := c.changed
		for id, s := range c.switches {
			if (dpid == 0 || id == dpid) && s.Err() == nil {
				c.mu.Unlock()
				return s, nil
			}
		}
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for switch %s: %w", DPIDString(dpid), ctx.Err())
		case <-c.stop:
			return nil, fmt.Errorf("wait for switch %s: %w", DPIDString(dpid), ErrClosed)
		}
	}
}

// Close ends every session and waits for them; Serve returns.
func (c *Controller) Close() error {
	c.stopOnce.Do(func() { close(c.stop); c.cancel() })
	c.wg.Wait()
	return nil
}
