package underlay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/vtep/vtep/internal/pidlock"
	"github.com/vtep/vtep/internal/sockfile"
)

// HolderFiles are the files of the membership holder of one overlay bridge,
// in vtepd's run directory.
type HolderFiles struct {
	Socket  string // unix socket the holder serves
	Pidfile string // its pid, flock-ed while it runs
	Log     string // its output
}

// HolderFilesIn returns the holder's files for bridge in dir.
func HolderFilesIn(dir, bridge string) HolderFiles {
	base := filepath.Join(dir, bridge+".igmp")
	return HolderFiles{Socket: base + ".sock", Pidfile: base + ".pid", Log: base + ".log"}
}

// Holder is the membership holder: a small process, separate from vtepd,
// that holds the IGMP memberships (a Membership) so that they survive
// vtepd's restarts and crashes. vtepd tells it the wanted groups over its
// socket; it leaves a group only when told, and leaves all and exits when
// told to (HoldLeave), on SIGTERM (ctx ends), when no vtepd has renewed its
// lease for the lease's duration, or when its socket or pidfile are removed
// or replaced (its run directory is gone).
type Holder struct {
	Files HolderFiles
	Local net.IP        // the VTEP address groups are joined on
	Lease time.Duration // until the first set request renews it
	Log   *logrus.Entry

	mu      sync.Mutex
	m       *Membership
	renewed time.Time
	lease   time.Duration
	leave   chan struct{}
	release func() // removes the socket and pidfile and unlocks: a new holder may start
}

// checkEvery is how often the holder checks its lease and its files.
const checkEvery = time.Second

// Run holds the memberships until one of the reasons to stop in Holder's
// comment. Once it serves, it writes "ok" to ready (and closes it); a
// failure to start is written there instead.
func (h *Holder) Run(ctx context.Context, ready io.WriteCloser) (err error) {
	defer func() {
		if err != nil {
			fmt.Fprintf(ready, "error: %v\n", err)
		}
		ready.Close()
	}()
	lock, err := pidlock.Acquire(h.Files.Pidfile)
	if err != nil {
		return fmt.Errorf("membership holder: %w", err)
	}
	// Holding the pidfile's lock, this is the only holder of these files:
	// a socket left at the path is stale.
	_ = os.Remove(h.Files.Socket)
	ln, err := sockfile.Listen(h.Files.Socket)
	if err != nil {
		_ = lock.Release(true)
		return fmt.Errorf("membership holder: listen %s: %w", h.Files.Socket, err)
	}
	var once sync.Once
	h.release = func() {
		once.Do(func() {
			_ = ln.Close()
			_ = lock.Release(true)
		})
	}
	defer h.release()
	if err := os.Chmod(h.Files.Socket, 0o600); err != nil {
		return fmt.Errorf("membership holder: %w", err)
	}
	m, err := NewMembership(h.Local)
	if err != nil {
		return fmt.Errorf("membership holder: %w", err)
	}
	defer m.Close()
	h.m, h.renewed, h.lease, h.leave = m, time.Now(), h.Lease, make(chan struct{})
	h.Log.WithFields(logrus.Fields{"socket": h.Files.Socket, "local": h.Local.String(), "lease": h.Lease.String()}).Info("membership holder serving")
	fmt.Fprintln(ready, "ok")
	ready.Close()

	go h.accept(ln)
	reason := h.wait(ctx, lock, ln.(*sockfile.Listener))
	h.mu.Lock()
	defer h.mu.Unlock()
	left := len(m.Groups())
	h.Log.WithFields(logrus.Fields{"reason": reason, "groups": left}).Info("membership holder leaving its groups and exiting")
	return nil
}

// wait returns why the holder stops.
func (h *Holder) wait(ctx context.Context, lock *pidlock.Lock, ln *sockfile.Listener) string {
	t := time.NewTicker(checkEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return "signalled"
		case <-h.leave:
			return "told to leave"
		case <-t.C:
			if !lock.Owned() || !ln.Owned() {
				return "its pidfile or socket was removed or replaced"
			}
			h.mu.Lock()
			expired := time.Since(h.renewed) > h.lease
			h.mu.Unlock()
			if expired {
				return "no vtepd renewed the lease"
			}
		}
	}
}

func (h *Holder) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed
		}
		go h.serve(c.(*net.UnixConn))
	}
}

// serve answers one request.
func (h *Holder) serve(c *net.UnixConn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	log := h.Log
	if err := checkPeer(c); err != nil {
		log.WithError(err).Warn("membership holder: request refused")
		return
	}
	cmd, err := decodeHoldRequest(c)
	var rep HoldReply
	if err != nil {
		log.WithError(err).Warn("membership holder: bad request")
		rep = h.reply(err)
	} else {
		rep = h.apply(cmd)
	}
	b, err := encodeLine(rep)
	if err == nil {
		_, err = c.Write(b)
	}
	if err != nil {
		log.WithError(err).Debug("membership holder: write reply")
	}
}

// apply carries out a valid request and returns the reply.
func (h *Holder) apply(cmd holdCommand) HoldReply {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch cmd.op {
	case HoldSet:
		if !cmd.local.Equal(h.Local) {
			return h.replyLocked(fmt.Errorf("this holder joins on %s, not %s", h.Local, cmd.local))
		}
		h.renewed, h.lease = time.Now(), cmd.lease
		return h.replyLocked(h.m.Set(cmd.groups))
	case HoldLeave:
		err := h.m.Set(nil)
		// Gone before the reply, so that whoever asked can start another.
		h.release()
		select {
		case <-h.leave:
		default:
			close(h.leave)
		}
		return h.replyLocked(err)
	}
	return h.replyLocked(nil)
}

func (h *Holder) reply(err error) HoldReply {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.replyLocked(err)
}

func (h *Holder) replyLocked(err error) HoldReply {
	rep := HoldReply{Pid: os.Getpid(), Local: h.Local.String(), Groups: []string{}}
	for _, g := range h.m.Groups() {
		rep.Groups = append(rep.Groups, g.String())
	}
	sort.Strings(rep.Groups)
	if err != nil {
		rep.Error = err.Error()
	}
	return rep
}

// checkPeer accepts only requests from processes of the holder's own user
// or root (the socket's mode says the same; this holds if it is changed).
func checkPeer(c *net.UnixConn) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return err
	}
	if cerr != nil {
		return fmt.Errorf("peer credentials: %w", cerr)
	}
	if cred.Uid != 0 && int(cred.Uid) != os.Geteuid() {
		return fmt.Errorf("peer pid %d uid %d is neither root nor the holder's user", cred.Pid, cred.Uid)
	}
	return nil
}

// errHolderGone says no holder answers on the socket.
var errHolderGone = errors.New("no membership holder answers")
