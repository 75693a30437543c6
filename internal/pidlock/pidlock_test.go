package pidlock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestAcquireIsExclusiveAndNamesTheHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "br-int.vtepd.lock")
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	if ReadPid(path) != os.Getpid() || !l.Owned() {
		t.Fatalf("lock file names pid %d, want %d", ReadPid(path), os.Getpid())
	}
	// flock locks belong to the open file: a second open in the same
	// process conflicts like another process would.
	_, err = Acquire(path)
	var held *HeldError
	if !errors.As(err, &held) || held.Pid != os.Getpid() || held.Path != path {
		t.Fatalf("second acquire: %v, want a HeldError naming pid %d", err, os.Getpid())
	}
	if err := l.Release(false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Release(false) removed the file: %v", err)
	}
	l2, err := Acquire(path)
	if err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
	if err := l2.Release(true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("Release(true) left the file: %v", err)
	}
}

func TestReleaseDoesNotRemoveAReplacedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.pid")
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	other, err := Acquire(path) // the file was removed: a new lock is free
	if err != nil {
		t.Fatal(err)
	}
	if l.Owned() {
		t.Fatal("the removed lock still owns the path")
	}
	_ = l.Release(true)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("releasing the old lock removed the new one's file: %v", err)
	}
	_ = other.Release(true)
}
