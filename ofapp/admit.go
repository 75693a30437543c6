package ofapp

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// Defaults of the connection caps (Config.MaxConnections, MaxHandshakes).
const (
	DefaultMaxConnections = 64
	DefaultMaxHandshakes  = 16
)

// Reasons a connection is refused, as ConnStats.Refused counts them.
const (
	// RefusedPeer: a unix peer that is neither root, vtepd's user nor one
	// of Config.PeerUIDs (or whose credentials cannot be read).
	RefusedPeer = "peer-credentials"
	// RefusedMaxConnections: Config.MaxConnections connections are open.
	RefusedMaxConnections = "max-connections"
	// RefusedMaxHandshakes: Config.MaxHandshakes connections are in handshake.
	RefusedMaxHandshakes = "max-handshakes"
	// RefusedHandshake: the handshake (TLS's included) failed or timed out.
	RefusedHandshake = "handshake"
	// RefusedTakeover: the datapath ID is a live session's, which still
	// answers echo.
	RefusedTakeover = "takeover"
)

// RefuseReasons lists every reason, in a fixed order.
var RefuseReasons = []string{RefusedPeer, RefusedMaxConnections, RefusedMaxHandshakes, RefusedHandshake, RefusedTakeover}

// ConnStats counts the connections a Controller serves and refuses.
type ConnStats struct {
	// Connections are open accepted connections (in handshake or in session).
	Connections int
	// Handshaking are accepted connections still in handshake.
	Handshaking int
	// Refused counts refused connections by reason (every RefuseReasons key).
	Refused map[string]uint64
}

// admission counts accepted connections and refusals.
type admission struct {
	conns, handshakes atomic.Int64
	refused           [5]atomic.Uint64 // by index in RefuseReasons

	mu     sync.Mutex
	logged map[string]time.Time // last log line per reason
	quiet  map[string]int       // refusals not logged since
}

// refuseLogEvery is how often a refusal of each reason is logged at most.
const refuseLogEvery = time.Second

// peer is an accepted connection's remote as logs name it, and where its
// handshake stands.
type peer struct {
	remote      string
	deadline    time.Time // the handshake ends by then (zero: from now)
	handshaking bool      // counted in admission.handshakes until it ends
	// accepted says the peer connected to vtepd (Serve), rather than vtepd
	// to it: only such a newcomer must not take over a live session.
	accepted bool
}

// ConnStats returns the connection counts.
func (c *Controller) ConnStats() ConnStats {
	st := ConnStats{
		Connections: int(c.adm.conns.Load()),
		Handshaking: int(c.adm.handshakes.Load()),
		Refused:     make(map[string]uint64, len(RefuseReasons)),
	}
	for i, r := range RefuseReasons {
		st.Refused[r] = c.adm.refused[i].Load()
	}
	return st
}

// admit decides at accept whether a connection may start its handshake:
// a unix peer must be root, vtepd's user or one of Config.PeerUIDs, and
// the caps must have room. A refusal is logged (rate-limited) and counted.
func (c *Controller) admit(conn net.Conn) (*peer, bool) {
	p := &peer{remote: remote(conn), deadline: time.Now().Add(c.cfg.HandshakeTimeout), accepted: true}
	if uc, ok := conn.(*net.UnixConn); ok {
		cred, err := peerCred(uc)
		if err != nil {
			c.refuse(RefusedPeer, p, logrus.Fields{"error": err.Error()})
			return nil, false
		}
		p.remote = fmt.Sprintf("unix pid %d uid %d", cred.Pid, cred.Uid)
		if !c.uidAllowed(cred.Uid) {
			c.refuse(RefusedPeer, p, logrus.Fields{"uid": cred.Uid, "pid": cred.Pid})
			return nil, false
		}
	}
	if n := c.adm.conns.Add(1); n > int64(c.cfg.MaxConnections) {
		c.adm.conns.Add(-1)
		c.refuse(RefusedMaxConnections, p, logrus.Fields{"max_connections": c.cfg.MaxConnections})
		return nil, false
	}
	if n := c.adm.handshakes.Add(1); n > int64(c.cfg.MaxHandshakes) {
		c.adm.handshakes.Add(-1)
		c.adm.conns.Add(-1)
		c.refuse(RefusedMaxHandshakes, p, logrus.Fields{"max_handshakes": c.cfg.MaxHandshakes})
		return nil, false
	}
	p.handshaking = true
	return p, true
}

func (c *Controller) uidAllowed(uid uint32) bool {
	return uid == 0 || int(uid) == os.Geteuid() || slices.Contains(c.cfg.PeerUIDs, uid)
}

// peerCred reads a unix connection's peer credentials (SO_PEERCRED).
func peerCred(uc *net.UnixConn) (*unix.Ucred, error) {
	raw, err := uc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("peer credentials: %w", err)
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return nil, fmt.Errorf("peer credentials: %w", err)
	}
	if cerr != nil {
		return nil, fmt.Errorf("peer credentials: %w", cerr)
	}
	return cred, nil
}

// refuse counts a refused connection and logs it, at most once a second
// per reason (the line says how many went unlogged since the last one).
func (c *Controller) refuse(reason string, p *peer, fields logrus.Fields) {
	c.adm.refused[slices.Index(RefuseReasons, reason)].Add(1)
	now := time.Now()
	c.adm.mu.Lock()
	if c.adm.logged == nil {
		c.adm.logged, c.adm.quiet = map[string]time.Time{}, map[string]int{}
	}
	if now.Sub(c.adm.logged[reason]) < refuseLogEvery {
		c.adm.quiet[reason]++
		c.adm.mu.Unlock()
		return
	}
	quiet := c.adm.quiet[reason]
	c.adm.logged[reason], c.adm.quiet[reason] = now, 0
	c.adm.mu.Unlock()
	c.log.WithFields(fields).WithFields(logrus.Fields{"remote": p.remote, "reason": reason, "unlogged_refusals": quiet}).
		Warn("refusing switch connection")
}

// errRefused marks a session refused and already logged.
var errRefused = errors.New("connection refused")

// logSessionError logs why an accepted connection's session ended early:
// refusals are logged already, failed handshakes count as refused (their
// lines rate-limited), other failures are logged each.
func (c *Controller) logSessionError(p *peer, err error) {
	var he *handshakeError
	switch {
	case err == nil, errors.Is(err, errRefused):
	case errors.As(err, &he):
		c.refuse(RefusedHandshake, p, logrus.Fields{"dpid": "-", "error": err.Error()})
	default:
		c.log.WithFields(logrus.Fields{"dpid": "-", "remote": p.remote}).WithError(err).Warn("switch session failed")
	}
}

// handshakeError wraps an error of the handshake.
type handshakeError struct{ err error }

func (e *handshakeError) Error() string { return e.err.Error() }
func (e *handshakeError) Unwrap() error { return e.err }

// indexTakeover is RefusedTakeover's index in RefuseReasons.
var indexTakeover = slices.Index(RefuseReasons, RefusedTakeover)
