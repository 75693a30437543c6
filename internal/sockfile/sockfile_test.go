package sockfile

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestCloseRemovesOnlyItsOwnSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	old, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	// Another process replaces the socket (removes the file, listens anew).
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	cur, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	if old.(*Listener).Owned() || !cur.(*Listener).Owned() {
		t.Fatal("ownership: the replaced listener still owns the path, or the new one does not")
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("closing the replaced listener removed the new socket: %v", err)
	}
	if err := cur.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Fatalf("closing the owner left its socket: %v", err)
	}
}

func TestListenModeIgnoresUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "m.sock")
	ln, err := ListenMode(path, Perm{Mode: 0o600, UID: -1, GID: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, want a socket with 0600", fi.Mode())
	}
	if ln.Addr().String() != path {
		t.Fatalf("Addr %q, want %q", ln.Addr(), path)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only the socket", len(entries))
	}
	if _, err := ListenMode(path, Perm{Mode: 0o600, UID: -1, GID: -1}); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("second listen: %v, want EADDRINUSE", err)
	}
}
