package sockfile

import (
	"os"
	"path/filepath"
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
