package ofapp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// Features is what a switch said about itself in FEATURES_REPLY.
type Features struct {
	DPID         uint64
	NBuffers     uint32
	NTables      uint8
	AuxiliaryID  uint8
	Capabilities uint32
}

// Switch is one OpenFlow 1.3 session with a switch, after a successful
// handshake. All methods are safe for concurrent use; messages go out in the
// order the calls enqueue them, through one writer goroutine.
type Switch struct {
	cfg      *Config
	conn     net.Conn
	peer     string // the remote, named for logs (unix: pid and uid)
	log      *logrus.Entry
	features Features

	out  chan []byte // requests, in order
	ctrl chan []byte // replies the reader owes the peer (echo replies, errors)

	xid      atomic.Uint32
	bundleID atomic.Uint32

	mu      sync.Mutex
	pending map[uint32]*request
	ranges  []*xidRange

	closed    chan struct{}
	closeOnce sync.Once
	closeErr  error
	// fatal is the protocol error the reader is ending the session for,
	// recorded before a last error reply goes out, so that the write of
	// that reply failing (the peer hung up) does not hide the cause.
	fatal atomic.Pointer[error]
	done  chan struct{} // reader and writer have exited

	lastRecv  atomic.Int64 // unix nanos of the last message received
	packetIns atomic.Uint64

	events func(Event)
}

// request is one outstanding request waiting for its reply (or replies).
type request struct {
	// onReply handles one reply message (header and whole message); it runs
	// on the reader goroutine and reports whether the request is complete.
	onReply func(h header, msg []byte) (bool, error)
	done    chan struct{}
	err     error
}

// xidRange collects errors for the messages of a batch, whose xids are
// consecutive from lo.
type xidRange struct {
	lo, hi uint32
	mu     sync.Mutex
	errs   map[uint32]*OFError
}

// DPID returns the switch's datapath ID.
func (s *Switch) DPID() uint64 { return s.features.DPID }

// Features returns what the switch reported in FEATURES_REPLY.
func (s *Switch) Features() Features { return s.features }

// RemoteAddr returns the address of the switch's end of the connection.
func (s *Switch) RemoteAddr() net.Addr { return s.conn.RemoteAddr() }

// PacketIns returns how many PACKET_IN messages the switch has sent.
func (s *Switch) PacketIns() uint64 { return s.packetIns.Load() }

// Done is closed when the session has ended.
func (s *Switch) Done() <-chan struct{} { return s.closed }

// Err returns why the session ended, or nil while it is up.
func (s *Switch) Err() error {
	select {
	case <-s.closed:
		return s.closeErr
	default:
		return nil
	}
}

// String names the session by datapath ID.
func (s *Switch) String() string { return "switch " + DPIDString(s.features.DPID) }

// Close ends the session.
func (s *Switch) Close() error {
	s.shutdown(ErrClosed)
	<-s.done
	return nil
}

func (s *Switch) shutdown(err error) {
	s.closeOnce.Do(func() {
		if f := s.fatal.Load(); f != nil {
			err = *f
		}
		s.closeErr = err
		close(s.closed)
		s.conn.Close()
		s.mu.Lock()
		for xid, r := range s.pending {
			r.err = fmt.Errorf("%w: %w", ErrClosed, err)
			close(r.done)
			delete(s.pending, xid)
		}
		s.mu.Unlock()
	})
}

func (s *Switch) nextXID() uint32 { return s.xid.Add(1) }

// reserveXIDs returns the first of n consecutive xids.
func (s *Switch) reserveXIDs(n uint32) uint32 { return s.xid.Add(n) - n + 1 }

// send queues an encoded message (or several) for the writer.
func (s *Switch) send(ctx context.Context, b []byte) error {
	select {
	case s.out <- b:
		return nil
	case <-s.closed:
		return fmt.Errorf("%w: %w", ErrClosed, s.closeErr)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sendReply queues a reply from the reader goroutine. When the queue is full
// the reader waits (which throttles a peer flooding requests) but never longer
// than WriteTimeout: a peer that does not read its replies is dropped.
func (s *Switch) sendReply(b []byte) {
	select {
	case s.ctrl <- b:
		return
	default:
	}
	t := time.NewTimer(s.cfg.WriteTimeout)
	defer t.Stop()
	select {
	case s.ctrl <- b:
	case <-s.closed:
	case <-t.C:
		s.shutdown(protoErr("peer does not read its replies (%d queued for %s)", cap(s.ctrl), s.cfg.WriteTimeout))
	}
}

// writer is the only goroutine writing to the connection.
func (s *Switch) writer() {
	for {
		var b []byte
		select {
		case b = <-s.ctrl:
		default:
			select {
			case b = <-s.ctrl:
			case b = <-s.out:
			case <-s.closed:
				return
			}
		}
		if s.cfg.WriteTimeout > 0 {
			s.conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		}
		if _, err := s.conn.Write(b); err != nil {
			s.shutdown(fmt.Errorf("write: %w", err))
			return
		}
		putBuf(b)
	}
}

// register records a request under xid before it is sent.
func (s *Switch) register(xid uint32, onReply func(header, []byte) (bool, error)) *request {
	r := &request{onReply: onReply, done: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.closed:
		r.err = fmt.Errorf("%w: %w", ErrClosed, s.closeErr)
		close(r.done)
		return r
	default:
	}
	s.pending[xid] = r
	return r
}

func (s *Switch) unregister(xid uint32) {
	s.mu.Lock()
	delete(s.pending, xid)
	s.mu.Unlock()
}

// wait waits for a request to complete.
func (s *Switch) wait(ctx context.Context, xid uint32, r *request) error {
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		s.unregister(xid)
		return ctx.Err()
	}
}

// roundTrip sends a message registered under xid and waits for its reply.
func (s *Switch) roundTrip(ctx context.Context, xid uint32, msg []byte, onReply func(header, []byte) (bool, error)) error {
	r := s.register(xid, onReply)
	if err := s.send(ctx, msg); err != nil {
		s.unregister(xid)
		return err
	}
	return s.wait(ctx, xid, r)
}

// Barrier sends a BARRIER_REQUEST and waits for its reply: every message
// sent before has then been processed.
func (s *Switch) Barrier(ctx context.Context) error {
	xid := s.nextXID()
	if err := s.roundTrip(ctx, xid, appendEmpty(getBuf(), typeBarrierRequest, xid), expect(typeBarrierReply)); err != nil {
		return &Error{Op: "barrier", DPID: s.DPID(), Err: err}
	}
	return nil
}

// Echo sends an ECHO_REQUEST and waits for the reply, returning the round trip time.
func (s *Switch) Echo(ctx context.Context) (time.Duration, error) {
	xid := s.nextXID()
	start := time.Now()
	if err := s.roundTrip(ctx, xid, appendEmpty(getBuf(), typeEchoRequest, xid), expect(typeEchoReply)); err != nil {
		return 0, &Error{Op: "echo", DPID: s.DPID(), Err: err}
	}
	return time.Since(start), nil
}

// expect returns a reply handler accepting one message of type t.
func expect(t uint8) func(header, []byte) (bool, error) {
	return func(h header, _ []byte) (bool, error) {
		if h.Type != t {
			return true, protoErr("reply xid %d: got %s, want %s", h.Xid, MessageTypeName(h.Type), MessageTypeName(t))
		}
		return true, nil
	}
}

// complete hands a reply to the request waiting for it.
func (s *Switch) complete(h header, msg []byte) bool {
	s.mu.Lock()
	r, ok := s.pending[h.Xid]
	s.mu.Unlock()
	if !ok {
		return false
	}
	var done bool
	var err error
	if h.Type == typeError {
		done = true
		var oe *OFError
		if oe, err = decodeError(msg); err == nil {
			err = oe
		}
	} else {
		done, err = r.onReply(h, msg)
	}
	if err != nil {
		done = true
	}
	if done {
		s.mu.Lock()
		if s.pending[h.Xid] == r {
			delete(s.pending, h.Xid)
			r.err = err
			close(r.done)
		}
		s.mu.Unlock()
	}
	return true
}

// recordRangeError files an error for a batch message; it reports whether a
// batch owned the xid.
func (s *Switch) recordRangeError(xid uint32, e *OFError) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.ranges {
		if xid >= r.lo && xid < r.hi {
			r.mu.Lock()
			if r.errs == nil {
				r.errs = map[uint32]*OFError{}
			}
			r.errs[xid] = e
			r.mu.Unlock()
			return true
		}
	}
	return false
}

func (s *Switch) addRange(r *xidRange) {
	s.mu.Lock()
	s.ranges = append(s.ranges, r)
	s.mu.Unlock()
}

func (s *Switch) removeRange(r *xidRange) {
	s.mu.Lock()
	for i, x := range s.ranges {
		if x == r {
			s.ranges = append(s.ranges[:i], s.ranges[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
}

// reader reads and dispatches messages until the connection fails.
func (s *Switch) reader(r *bufio.Reader) {
	var buf []byte
	for {
		msg, err := readMessage(r, buf)
		buf = msg
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = fmt.Errorf("peer closed the connection: %w", err)
			}
			s.shutdown(fmt.Errorf("read: %w", err))
			return
		}
		s.lastRecv.Store(time.Now().UnixNano())
		if err := s.dispatchGuarded(msg); err != nil {
			s.log.WithError(err).Warn("closing session")
			s.shutdown(err)
			return
		}
	}
}

// dispatch handles one received message. msg is only valid during the call.
func (s *Switch) dispatch(msg []byte) error {
	h := parseHeader(msg)
	if h.Version != Version13 {
		err := protoErr("message %s xid %d has version 0x%02x, session speaks 0x%02x", MessageTypeName(h.Type), h.Xid, h.Version, Version13)
		s.fatal.Store(&err)
		s.sendReply(appendError(getBuf(), h.Xid, ErrTypeBadRequest, codeBadRequestVersion, msg))
		return err
	}
	switch h.Type {
	case typeEchoRequest:
		b := getBuf()
		start := len(b)
		b = appendHeader(b, typeEchoReply, h.Xid)
		b = append(b, msg[headerLen:]...)
		s.sendReply(finishMessage(b, start))
	case typeError:
		oe, err := decodeError(msg)
		if err != nil {
			return err
		}
		if s.complete(h, msg) || s.recordRangeError(h.Xid, oe) {
			return nil
		}
		s.log.WithFields(logrus.Fields{"xid": h.Xid, "error": oe.Error()}).Warn("switch reported an error for no pending request")
	case typePortStatus:
		ps, err := decodePortStatus(msg)
		if err != nil {
			return err
		}
		s.log.WithFields(logrus.Fields{"port": ps.Port.Name, "ofport": ps.Port.No, "reason": ps.Reason.String()}).Info("port status")
		s.emit(Event{Type: ps.Reason.eventType(), DPID: s.DPID(), Switch: s, Port: ps.Port})
	case typePacketIn:
		s.packetIns.Add(1)
		if s.cfg.OnPacketIn != nil {
			pi, err := decodePacketIn(msg[headerLen:])
			if err != nil {
				return err
			}
			s.cfg.OnPacketIn(s, pi)
		}
	case typeHello, typeFlowRemoved:
		// A late HELLO is harmless; vtep never asks for flow-removed messages.
	case typeEchoReply, typeBarrierReply, typeMultipartReply, typeExperimenter, typeFeaturesReply:
		if !s.complete(h, msg) {
			s.log.WithFields(logrus.Fields{"xid": h.Xid, "type": MessageTypeName(h.Type)}).Debug("reply for no pending request")
		}
	default:
		s.log.WithFields(logrus.Fields{"xid": h.Xid, "type": MessageTypeName(h.Type)}).Warn("unexpected message type; answering OFPBRC_BAD_TYPE")
		s.sendReply(appendError(getBuf(), h.Xid, ErrTypeBadRequest, codeBadRequestType, msg))
	}
	return nil
}

func (s *Switch) emit(e Event) {
	if s.events != nil {
		s.events(e)
	}
}

// keepalive sends an ECHO_REQUEST when the peer has been quiet for
// EchoInterval and ends the session when it stays quiet for EchoTimeout more.
func (s *Switch) keepalive() {
	iv := s.cfg.EchoInterval
	t := time.NewTicker(iv / 2)
	defer t.Stop()
	for {
		select {
		case <-s.closed:
			return
		case now := <-t.C:
			quiet := now.Sub(time.Unix(0, s.lastRecv.Load()))
			switch {
			case quiet > iv+s.cfg.EchoTimeout:
				s.log.WithField("quiet", quiet.Round(time.Millisecond).String()).Warn("switch stopped answering echo requests; closing session")
				s.shutdown(fmt.Errorf("peer dead: no message for %s", quiet.Round(time.Millisecond)))
				return
			case quiet >= iv:
				b := appendEmpty(getBuf(), typeEchoRequest, s.nextXID())
				select {
				case s.ctrl <- b:
				default:
				}
			}
		}
	}
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// getBuf returns an empty buffer for encoding a message.
func getBuf() []byte { return (*bufPool.Get().(*[]byte))[:0] }

// putBuf returns a written buffer to the pool.
func putBuf(b []byte) {
	if cap(b) > 1<<20 {
		return
	}
	b = b[:0]
	bufPool.Put(&b)
}
