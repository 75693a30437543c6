package ofapp_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/vtep/vtep/ofapp"
)

// fakeSwitch is the switch end of a net.Pipe: it reads everything the
// controller sends in the background (so the controller never blocks on it)
// and writes whatever a test tells it to.
type fakeSwitch struct {
	conn net.Conn
	msgs chan []byte
}

func newFakeSwitch(conn net.Conn) *fakeSwitch {
	f := &fakeSwitch{conn: conn, msgs: make(chan []byte, 1<<16)}
	go func() {
		defer close(f.msgs)
		for {
			h := make([]byte, 8)
			if _, err := io.ReadFull(conn, h); err != nil {
				return
			}
			m := make([]byte, binary.BigEndian.Uint16(h[2:]))
			copy(m, h)
			if _, err := io.ReadFull(conn, m[8:]); err != nil {
				return
			}
			f.msgs <- m
		}
	}()
	return f
}

func ofMsg(version, typ uint8, xid uint32, body ...byte) []byte {
	m := []byte{version, typ, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(m[2:], uint16(8+len(body)))
	binary.BigEndian.PutUint32(m[4:], xid)
	return append(m, body...)
}

func (f *fakeSwitch) write(t *testing.T, b []byte) {
	t.Helper()
	f.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := f.conn.Write(b); err != nil {
		t.Fatalf("fake switch write: %v", err)
	}
}

// next returns the next message of type typ the controller sent, skipping others.
func (f *fakeSwitch) next(t *testing.T, typ uint8) []byte {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m, ok := <-f.msgs:
			if !ok {
				t.Fatalf("connection closed while waiting for message type %d", typ)
			}
			if m[1] == typ {
				return m
			}
		case <-timeout:
			t.Fatalf("no message of type %d within 5s", typ)
		}
	}
}

func xidOf(m []byte) uint32 { return binary.BigEndian.Uint32(m[4:]) }

// handshake plays the switch side of HELLO, FEATURES and the configuring barrier.
func (f *fakeSwitch) handshake(t *testing.T, dpid uint64) {
	t.Helper()
	f.next(t, 0)
	f.write(t, ofMsg(4, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x10))
	req := f.next(t, 5)
	body := make([]byte, 24)
	binary.BigEndian.PutUint64(body, dpid)
	body[12] = 254
	f.write(t, ofMsg(4, 6, xidOf(req), body...))
	f.next(t, 9) // SET_CONFIG
	bar := f.next(t, 20)
	f.write(t, ofMsg(4, 21, xidOf(bar)))
}

// pipeSession connects a fake switch to ctl and waits for its session.
func pipeSession(t *testing.T, ctl *ofapp.Controller, dpid uint64) (*fakeSwitch, *ofapp.Switch, chan error) {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	done := make(chan error, 1)
	go func() { done <- ctl.ServeConn(context.Background(), a) }()
	f := newFakeSwitch(b)
	f.handshake(t, dpid)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sw, err := ctl.WaitSwitch(ctx, dpid)
	if err != nil {
		t.Fatal(err)
	}
	return f, sw, done
}

func testController(t *testing.T) (*ofapp.Controller, *test.Hook) {
	l, hook := test.NewNullLogger()
	l.SetLevel(logrus.DebugLevel)
	ctl := ofapp.NewController(ofapp.Config{Logger: l, HandshakeTimeout: 5 * time.Second})
	t.Cleanup(func() { ctl.Close() })
	return ctl, hook
}

func waitDone(t *testing.T, sw *ofapp.Switch) error {
	t.Helper()
	select {
	case <-sw.Done():
		return sw.Err()
	case <-time.After(5 * time.Second):
		t.Fatal("session did not end within 5s")
		return nil
	}
}

func TestSessionRefusesOldVersion(t *testing.T) {
	ctl, hook := testController(t)
	a, b := net.Pipe()
	defer b.Close()
	done := make(chan error, 1)
	go func() { done <- ctl.ServeConn(context.Background(), a) }()
	f := newFakeSwitch(b)
	f.next(t, 0)
	f.write(t, ofMsg(1, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x02)) // OpenFlow 1.0 only
	e := f.next(t, 1)
	if e[0] != 1 || binary.BigEndian.Uint16(e[8:]) != 0 || binary.BigEndian.Uint16(e[10:]) != 0 {
		t.Errorf("reply %x: want an OpenFlow 1.0 ERROR HELLO_FAILED/INCOMPATIBLE", e[:12])
	}
	err := <-done
	var oe *ofapp.OFError
	if !errors.As(err, &oe) || oe.CodeName() != "OFPHFC_INCOMPATIBLE" {
		t.Errorf("ServeConn = %v, want OFPHFC_INCOMPATIBLE", err)
	}
	logged := false
	for _, en := range hook.AllEntries() {
		logged = logged || strings.Contains(en.Message, "OpenFlow 1.3")
	}
	if !logged {
		t.Error("no log line about the refused version")
	}
	if len(ctl.Switches()) != 0 {
		t.Errorf("refused switch is registered: %v", ctl.Switches())
	}
}

func TestSessionBrokenFraming(t *testing.T) {
	tests := []struct {
		name    string
		send    []byte
		wantErr string
	}{
		{"truncated header", []byte{4, 2, 0}, "EOF"},
		{"length larger than the data", append(ofMsg(4, 2, 9)[:2], 0, 200, 0, 0, 0, 9, 1, 2, 3), "truncated"},
		{"length shorter than a header", []byte{4, 2, 0, 4, 0, 0, 0, 9}, "shorter than"},
		{"wrong version after handshake", ofMsg(1, 2, 9), "version"},
		{"port status too short", ofMsg(4, 12, 9, 0, 0), "port status"},
		{"error too short", ofMsg(4, 1, 9, 0), "error message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctl, _ := testController(t)
			f, sw, _ := pipeSession(t, ctl, 0x42)
			f2, sw2, _ := pipeSession(t, ctl, 0x43) // a bystander
			f.write(t, tt.send)
			f.conn.Close()
			err := waitDone(t, sw)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("session ended with %v, want an error containing %q", err, tt.wantErr)
			}
			go func() { // the bystander answers a barrier
				m := f2.next(t, 20)
				f2.write(t, ofMsg(4, 21, xidOf(m)))
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := sw2.Barrier(ctx); err != nil {
				t.Errorf("other session broken: %v", err)
			}
		})
	}
}

func TestSessionUnknownTypeAnswered(t *testing.T) {
	ctl, _ := testController(t)
	f, sw, _ := pipeSession(t, ctl, 0x42)
	f.write(t, ofMsg(4, 99, 1234, 1, 2, 3))
	e := f.next(t, 1)
	if xidOf(e) != 1234 || binary.BigEndian.Uint16(e[8:]) != 1 || binary.BigEndian.Uint16(e[10:]) != 1 {
		t.Errorf("reply %x: want ERROR BAD_REQUEST/BAD_TYPE for xid 1234", e[:12])
	}
	if sw.Err() != nil {
		t.Errorf("session ended: %v", sw.Err())
	}
}

func TestSessionEchoStorm(t *testing.T) {
	ctl, _ := testController(t)
	f, sw, _ := pipeSession(t, ctl, 0x42)
	const n = 5000
	go func() {
		for i := 0; i < n; i++ {
			f.conn.Write(ofMsg(4, 2, uint32(i), byte(i)))
		}
	}()
	for i := 0; i < n; i++ {
		r := f.next(t, 3)
		if xidOf(r) != uint32(i) || len(r) != 9 || r[8] != byte(i) {
			t.Fatalf("echo reply %d: %x, want xid %d with its data", i, r, i)
		}
	}
	if sw.Err() != nil {
		t.Errorf("session ended: %v", sw.Err())
	}
}

func TestSessionDeadPeer(t *testing.T) {
	l, _ := test.NewNullLogger()
	ctl := ofapp.NewController(ofapp.Config{Logger: l, EchoInterval: 50 * time.Millisecond, EchoTimeout: 100 * time.Millisecond})
	defer ctl.Close()
	f, sw, _ := pipeSession(t, ctl, 0x42)
	f.next(t, 2) // the controller probes a quiet peer ...
	err := waitDone(t, sw)
	if err == nil || !strings.Contains(err.Error(), "peer dead") { // ... and drops it when it stays quiet
		t.Errorf("session ended with %v, want peer dead", err)
	}
}

func TestSessionErrorCorrelation(t *testing.T) {
	ctl, _ := testController(t)
	f, sw, _ := pipeSession(t, ctl, 0x42)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		m := f.next(t, 20)
		// OFPET_BAD_REQUEST / OFPBRC_BAD_TYPE for the barrier.
		f.write(t, ofMsg(4, 1, xidOf(m), append([]byte{0, 1, 0, 1}, m...)...))
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := sw.Barrier(ctx)
	wg.Wait()
	var oe *ofapp.OFError
	if !errors.As(err, &oe) || oe.Error() != fmt.Sprintf("OFPET_BAD_REQUEST/OFPBRC_BAD_TYPE (for BARRIER_REQUEST xid %d)", xidOfData(oe.Data)) {
		t.Errorf("Barrier = %v, want the switch's OFPBRC_BAD_TYPE", err)
	}
}

func xidOfData(b []byte) uint32 { return binary.BigEndian.Uint32(b[4:]) }
