// Package sockfile listens on unix sockets whose file is removed on close
// only while it is still the socket the listener created. A process that
// exits late (after another one replaced its socket) leaves the newer
// process's socket alone.
//
// ListenMode creates the socket with an explicit mode (and owner) that the
// umask cannot widen: the socket is bound in a private directory (mode
// 0700) next to its path, given its mode and owner there, and only then
// linked to its path, so nobody can connect to it while it has any other
// mode.
package sockfile

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// Listener is a unix listener that knows the file it created.
type Listener struct {
	*net.UnixListener
	path string
	fi   os.FileInfo
}

// Listen listens on the unix socket path and returns a *Listener. The
// caller removes a stale file at path first, if it wants to.
func Listen(path string) (net.Listener, error) {
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	return newListener(ul, path)
}

func newListener(ul *net.UnixListener, path string) (*Listener, error) {
	ul.SetUnlinkOnClose(false)
	fi, err := os.Lstat(path)
	if err != nil {
		ul.Close()
		return nil, fmt.Errorf("stat %s after listening: %w", path, err)
	}
	return &Listener{UnixListener: ul, path: path, fi: fi}, nil
}

// Perm is the mode and owner a socket file gets before anyone can connect.
type Perm struct {
	// Mode is the socket file's permission bits, e.g. 0o600.
	Mode os.FileMode
	// UID and GID own the socket file; -1 leaves the creator's.
	UID, GID int
}

// ListenMode listens on the unix socket path like Listen, with the file's
// mode and owner set before the socket appears at path. A file already at
// path fails with an error wrapping syscall.EADDRINUSE, as Listen does.
func ListenMode(path string, perm Perm) (net.Listener, error) {
	dir, err := os.MkdirTemp(filepath.Dir(path), ".sf")
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", path, err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, err
	}
	ul.SetUnlinkOnClose(false)
	if err := setPerm(tmp, perm); err != nil {
		ul.Close()
		return nil, fmt.Errorf("listen %s: %w", path, err)
	}
	if err := os.Link(tmp, path); err != nil {
		ul.Close()
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("listen %s: %w", path, syscall.EADDRINUSE)
		}
		return nil, fmt.Errorf("listen %s: %w", path, err)
	}
	l, err := newListener(ul, path)
	if err != nil {
		return nil, err
	}
	return l, nil
}

func setPerm(path string, perm Perm) error {
	if perm.UID >= 0 || perm.GID >= 0 {
		if err := os.Lchown(path, perm.UID, perm.GID); err != nil {
			return fmt.Errorf("chown socket: %w", err)
		}
	}
	if err := os.Chmod(path, perm.Mode.Perm()); err != nil {
		return fmt.Errorf("chmod socket: %w", err)
	}
	return nil
}

// Addr returns the socket's path (the listener was maybe bound under
// another name before it was linked there).
func (l *Listener) Addr() net.Addr { return &net.UnixAddr{Name: l.path, Net: "unix"} }

// Owned reports whether the file at the socket's path is still the socket
// this listener created (same device and inode).
func (l *Listener) Owned() bool {
	fi, err := os.Lstat(l.path)
	return err == nil && os.SameFile(fi, l.fi)
}

// Close stops listening and removes the socket file if it is still the
// one this listener created.
func (l *Listener) Close() error {
	err := l.UnixListener.Close()
	if l.Owned() {
		_ = os.Remove(l.path)
	}
	return err
}
