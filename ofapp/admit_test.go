package ofapp_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/vtep/vtep/ofapp"
	"golang.org/x/sys/unix"
)

// serveUnix runs ctl on a fresh unix socket and returns its path.
func serveUnix(t testing.TB, ctl *ofapp.Controller) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ofapp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "c.sock")
	ln, err := ofapp.Listen("unix:" + path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- ctl.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return path
}

// rawDial connects to a unix socket with a bare file descriptor, so that
// the client side of many idle connections costs the test process no Go
// memory.
func rawDial(t testing.TB, path string) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	return fd
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestListenModeIgnoresUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "c.sock")
	ln, err := ofapp.Listen("unix:" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v with umask 0, want 0600", fi.Mode().Perm())
	}
}

// TestPeerCredentialsRefuseOtherUsers connects as user nobody (a copy of
// the test binary run with that uid) to a socket whose mode was widened:
// the peer credential check still refuses it, logs its uid and counts it.
func TestPeerCredentialsRefuseOtherUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a client as another user")
	}
	l, hook := test.NewNullLogger()
	ctl := ofapp.NewController(ofapp.Config{Logger: l})
	defer ctl.Close()
	path := serveUnix(t, ctl)
	os.Chmod(path, 0o666)
	os.Chmod(filepath.Dir(path), 0o755)

	out, err := runAsNobody(t, path)
	if err != nil {
		t.Fatalf("client as nobody: %v\n%s", err, out)
	}
	if !strings.Contains(out, "closed before any byte") {
		t.Errorf("client as nobody got: %s", out)
	}
	if n := ctl.ConnStats().Refused[ofapp.RefusedPeer]; n != 1 {
		t.Errorf("refused for peer credentials: %d, want 1", n)
	}
	found := false
	for _, e := range hook.AllEntries() {
		found = found || (e.Data["reason"] == ofapp.RefusedPeer && fmt.Sprint(e.Data["uid"]) == "65534")
	}
	if !found {
		t.Error("no log line naming the refused uid 65534")
	}
	// Root is still let in.
	fd := rawDial(t, path)
	defer unix.Close(fd)
	waitFor(t, "root's connection in handshake", func() bool { return ctl.ConnStats().Handshaking == 1 })
}

// runAsNobody runs TestHelperDial from a copy of the test binary that
// user nobody can execute.
func runAsNobody(t *testing.T, path string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "ofapp-nobody")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "ofapp.test")
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestHelperDial$")
	cmd.Env = append(os.Environ(), "OFAPP_HELPER_DIAL="+path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	o, err := cmd.CombinedOutput()
	return string(o), err
}

// TestHelperDial is the client runAsNobody runs; it does nothing otherwise.
func TestHelperDial(t *testing.T) {
	path := os.Getenv("OFAPP_HELPER_DIAL")
	if path == "" {
		t.Skip("helper for TestPeerCredentialsRefuseOtherUsers")
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := c.Read(make([]byte, 64))
	if n == 0 && err == io.EOF {
		fmt.Println("closed before any byte")
		return
	}
	fmt.Printf("read %d bytes, %v\n", n, err)
}

func TestConnectionCaps(t *testing.T) {
	l, hook := test.NewNullLogger()
	l.SetLevel(logrus.DebugLevel)
	ctl := ofapp.NewController(ofapp.Config{Logger: l, MaxConnections: 3, MaxHandshakes: 2, HandshakeTimeout: time.Minute})
	defer ctl.Close()
	path := serveUnix(t, ctl)
	var fds []int
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	for range 6 {
		fds = append(fds, rawDial(t, path))
	}
	waitFor(t, "4 refusals", func() bool { return ctl.ConnStats().Refused[ofapp.RefusedMaxHandshakes] == 4 })
	if st := ctl.ConnStats(); st.Handshaking != 2 || st.Connections != 2 {
		t.Errorf("stats %+v, want 2 connections in handshake", st)
	}
	// Six refusals within a second make one log line (with the count of the
	// others on the next one).
	n := 0
	for _, e := range hook.AllEntries() {
		if e.Data["reason"] == ofapp.RefusedMaxHandshakes {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d log lines for 4 refusals within a second, want 1", n)
	}
}

func TestHandshakeTimeoutFromAccept(t *testing.T) {
	l, _ := test.NewNullLogger()
	ctl := ofapp.NewController(ofapp.Config{Logger: l, HandshakeTimeout: 200 * time.Millisecond})
	defer ctl.Close()
	path := serveUnix(t, ctl)
	fd := rawDial(t, path)
	defer unix.Close(fd)
	start := time.Now()
	waitFor(t, "the silent peer dropped", func() bool { return ctl.ConnStats().Refused[ofapp.RefusedHandshake] == 1 })
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("silent peer dropped after %s, want about 200ms", took)
	}
	if st := ctl.ConnStats(); st.Connections != 0 || st.Handshaking != 0 {
		t.Errorf("stats %+v after the timeout, want none open", st)
	}
}
