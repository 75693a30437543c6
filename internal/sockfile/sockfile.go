// Package sockfile listens on unix sockets whose file is removed on close
// only while it is still the socket the listener created. A process that
// exits late (after another one replaced its socket) leaves the newer
// process's socket alone.
package sockfile

import (
	"fmt"
	"net"
	"os"
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
	ul.SetUnlinkOnClose(false)
	fi, err := os.Lstat(path)
	if err != nil {
		ul.Close()
		return nil, fmt.Errorf("stat %s after listening: %w", path, err)
	}
	return &Listener{UnixListener: ul, path: path, fi: fi}, nil
}

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
