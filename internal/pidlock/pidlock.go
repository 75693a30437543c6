// Package pidlock is a lock file that names its holder: an exclusive
// flock(2) on a file that holds the pid of the process holding the lock.
// The kernel releases the lock when the process exits, however it exits, so
// a lock is never stale; the pid in the file only names the holder in
// errors.
package pidlock

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Lock is a held lock file.
type Lock struct {
	Path string
	f    *os.File
}

// HeldError says another process holds the lock.
type HeldError struct {
	Path string
	Pid  int // 0 if the file names no pid
}

func (e *HeldError) Error() string {
	if e.Pid == 0 {
		return fmt.Sprintf("lock %s is held by another process", e.Path)
	}
	return fmt.Sprintf("lock %s is held by pid %d", e.Path, e.Pid)
}

// maxTries bounds how often Acquire reopens a lock file that was replaced
// while it waited for it.
const maxTries = 5

// Acquire takes the lock at path without waiting, creating the file if
// needed, and writes the caller's pid into it. It returns a *HeldError when
// another process holds it. The file's descriptor is close-on-exec, so
// children do not inherit the lock.
func Acquire(path string) (*Lock, error) {
	for range maxTries {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, &HeldError{Path: path, Pid: ReadPid(path)}
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// The file may have been removed (and another one created) between
		// open and flock: then this lock protects nothing, try again.
		if !samePath(f, path) {
			f.Close()
			continue
		}
		if err := writePid(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		return &Lock{Path: path, f: f}, nil
	}
	return nil, fmt.Errorf("lock %s: the file keeps being replaced", path)
}

// Release releases the lock. With remove, it first removes the file (only
// if it is still the locked one), for lock files that also serve as
// pidfiles; a plain lock file is best left in place.
func (l *Lock) Release(remove bool) error {
	if l == nil || l.f == nil {
		return nil
	}
	if remove && samePath(l.f, l.Path) {
		_ = os.Remove(l.Path)
	}
	err := l.f.Close() // closing the last descriptor releases the flock
	l.f = nil
	return err
}

// Owned reports whether path is still the file this lock holds.
func (l *Lock) Owned() bool { return l != nil && l.f != nil && samePath(l.f, l.Path) }

// ReadPid returns the pid a lock file names, or 0.
func ReadPid(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

func writePid(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// samePath reports whether path names the file open as f.
func samePath(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}
