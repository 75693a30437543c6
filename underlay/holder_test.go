package underlay

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// startTestHolder runs a holder in-process on loopback (no root needed:
// the tests join no group, or report the kernel's refusal).
func startTestHolder(t *testing.T, lease time.Duration) (*Holder, chan error) {
	t.Helper()
	dir, err := os.MkdirTemp("", "hold") // short: unix socket paths
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	h := &Holder{Files: HolderFilesIn(dir, "br-int"), Local: net.IPv4(127, 0, 0, 1).To4(), Lease: lease, Log: logrus.NewEntry(logrus.StandardLogger())}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx, pw) }()
	buf := make([]byte, 64)
	n, _ := pr.Read(buf)
	pr.Close()
	if got := strings.TrimSpace(string(buf[:n])); got != "ok" {
		t.Fatalf("holder did not start: %q", got)
	}
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return h, done
}

func TestHolderServesAndLeaves(t *testing.T) {
	h, done := startTestHolder(t, time.Hour)
	ctx := context.Background()
	rep, err := Request(ctx, h.Files.Socket, HoldRequest{Op: HoldHello})
	if err != nil || rep.Pid != os.Getpid() || rep.Local != "127.0.0.1" || len(rep.Groups) != 0 {
		t.Fatalf("hello: %+v, %v", rep, err)
	}
	if fi, err := os.Stat(h.Files.Socket); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %s: %v %v, want mode 0600", h.Files.Socket, fi.Mode(), err)
	}
	// Another address than the holder's is refused, naming both.
	_, err = Request(ctx, h.Files.Socket, HoldRequest{Op: HoldSet, Local: "10.9.9.9", LeaseSeconds: 60})
	if err == nil || !strings.Contains(err.Error(), "joins on 127.0.0.1, not 10.9.9.9") {
		t.Fatalf("set on another address: %v", err)
	}
	// Malformed bytes on the socket get an error reply; the holder keeps serving.
	c, err := net.Dial("unix", h.Files.Socket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte(`{"op":"set","local":"127.0.0.1","lease_seconds":60,"groups":["1.2.3.4"]}` + "\n")); err != nil {
		t.Fatal(err)
	}
	bad, err := DecodeHoldReply(c)
	c.Close()
	if err != nil || !strings.Contains(bad.Error, "not an IPv4 multicast") {
		t.Fatalf("malformed request: reply %+v, %v", bad, err)
	}
	// A second holder for the same files refuses, naming the first.
	second := &Holder{Files: h.Files, Local: h.Local, Lease: time.Hour, Log: h.Log}
	pr, pw, _ := os.Pipe()
	err = second.Run(ctx, pw)
	msg := make([]byte, 256)
	n, _ := pr.Read(msg)
	pr.Close()
	if err == nil || !strings.Contains(string(msg[:n]), "is held by pid") {
		t.Fatalf("second holder: %v, said %q", err, msg[:n])
	}
	if _, err := Request(ctx, h.Files.Socket, HoldRequest{Op: HoldHello}); err != nil {
		t.Fatalf("first holder after the second refused: %v", err)
	}
	// Leave: it answers, then exits, its files gone.
	if stopped, err := StopHolder(ctx, h.Files.Socket); !stopped || err != nil {
		t.Fatalf("stop: %v %v", stopped, err)
	}
	if err := <-done; err != nil {
		t.Fatalf("holder: %v", err)
	}
	done <- nil // for the cleanup
	for _, f := range []string{h.Files.Socket, h.Files.Pidfile} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s still exists after leave: %v", f, err)
		}
	}
	if stopped, err := StopHolder(ctx, h.Files.Socket); stopped || err != nil {
		t.Fatalf("stop without a holder: %v %v", stopped, err)
	}
}

func TestHolderExitsWhenItsSocketIsRemoved(t *testing.T) {
	h, done := startTestHolder(t, time.Hour)
	if err := os.Remove(h.Files.Socket); err != nil {
		t.Fatal(err)
	}
	waitExit(t, h, done)
}

func TestHolderExitsWhenTheLeaseEnds(t *testing.T) {
	h, done := startTestHolder(t, checkEvery)
	waitExit(t, h, done)
}

func waitExit(t *testing.T, h *Holder, done chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		done <- nil
	case <-time.After(10 * checkEvery):
		t.Fatal("the holder still runs after its socket was removed")
	}
	if _, err := os.Stat(h.Files.Pidfile); !os.IsNotExist(err) {
		t.Errorf("pidfile still exists: %v", err)
	}
}

func TestRequestWithoutHolder(t *testing.T) {
	if _, err := Request(context.Background(), filepath.Join(t.TempDir(), "none.sock"), HoldRequest{Op: HoldHello}); err == nil {
		t.Fatal("request to no holder succeeded")
	}
}
