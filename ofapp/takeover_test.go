package ofapp_test

import (
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus/hooks/test"
	"github.com/vtep/vtep/ofapp"
)

// dialFake connects a fake switch to a unix controller socket.
func dialFake(t *testing.T, path string) *fakeSwitch {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return newFakeSwitch(c)
}

// introduce plays HELLO and FEATURES_REPLY with dpid, and nothing more.
func (f *fakeSwitch) introduce(t *testing.T, dpid uint64) {
	t.Helper()
	f.next(t, 0)
	f.write(t, ofMsg(4, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x10))
	req := f.next(t, 5)
	body := make([]byte, 24)
	binary.BigEndian.PutUint64(body, dpid)
	body[12] = 254
	f.write(t, ofMsg(4, 6, xidOf(req), body...))
}

// closed waits until the controller closes the fake's connection.
func (f *fakeSwitch) closed(t *testing.T) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-f.msgs:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("the controller did not close the connection within 10s")
		}
	}
}

// TestTakeoverRefusedWhileSessionAnswers: a fake peer presents the
// datapath ID of a real bridge that is connected; the bridge answers the
// echo, so the newcomer is refused, logged with both remotes and counted,
// and the bridge's session carries on.
func TestTakeoverRefusedWhileSessionAnswers(t *testing.T) {
	l, hook := test.NewNullLogger()
	lb, sw := newLab(t, ofapp.Config{Logger: l})
	f := dialFake(t, lb.sock)
	f.introduce(t, lb.dpid)
	f.closed(t)
	if n := lb.ctl.ConnStats().Refused[ofapp.RefusedTakeover]; n != 1 {
		t.Errorf("takeover refusals: %d, want 1", n)
	}
	if cur, ok := lb.ctl.Switch(lb.dpid); !ok || cur != sw || sw.Err() != nil {
		t.Fatalf("the bridge's session was replaced or ended: %v", sw.Err())
	}
	if err := sw.Barrier(ctxT(t)); err != nil {
		t.Fatalf("the bridge's session: %v", err)
	}
	found := false
	for _, e := range hook.AllEntries() {
		if strings.Contains(e.Message, "refusing a connection that presents the datapath ID of a live session") {
			found = e.Data["remote"] != e.Data["session_remote"] && strings.HasPrefix(e.Data["remote"].(string), "unix pid ") &&
				strings.HasPrefix(e.Data["session_remote"].(string), "unix pid ")
			t.Logf("%s remote=%v session_remote=%v", e.Message, e.Data["remote"], e.Data["session_remote"])
		}
	}
	if !found {
		t.Error("no log line naming both remotes")
	}
}

// TestTakeoverOfSilentSession: a session that no longer answers echo is
// replaced by a newcomer with its datapath ID.
func TestTakeoverOfSilentSession(t *testing.T) {
	l, _ := test.NewNullLogger()
	ctl := ofapp.NewController(ofapp.Config{Logger: l, TakeoverProbe: 200 * time.Millisecond})
	defer ctl.Close()
	path := serveUnix(t, ctl)
	const dpid = 0xd1
	old := dialFake(t, path)
	old.handshake(t, dpid) // and then answers nothing
	oldSw, err := ctl.WaitSwitch(ctxT(t), dpid)
	if err != nil {
		t.Fatal(err)
	}
	nw := dialFake(t, path)
	nw.handshake(t, dpid)
	waitFor(t, "the newcomer's session", func() bool {
		cur, ok := ctl.Switch(dpid)
		return ok && cur != oldSw
	})
	if oldSw.Err() == nil || !strings.Contains(oldSw.Err().Error(), "did not answer echo") {
		t.Errorf("old session ended with %v, want a missed echo", oldSw.Err())
	}
	if n := ctl.ConnStats().Refused[ofapp.RefusedTakeover]; n != 0 {
		t.Errorf("takeover refusals: %d, want 0", n)
	}
}
