package ofapp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/vtep/vtep/internal/sockfile"
)

// ListenOptions says how Listen creates its socket.
type ListenOptions struct {
	// Mode is a unix socket file's mode, set before anyone can connect
	// (the umask plays no part). Default 0600.
	Mode os.FileMode
	// SocketOwner, when positive, owns a unix socket file (the user
	// ovs-vswitchd runs as, when that is not vtepd's user).
	SocketOwner int
	// TLS configures an "ssl:" listener; it is required for one.
	TLS *tls.Config
}

// Listen opens a listener for a controller target as OVS writes it:
// "unix:PATH" (the default when there is no prefix), "tcp:HOST:PORT" or
// "ssl:HOST:PORT" (which needs ListenWith and a TLS configuration). A unix
// socket gets mode 0600 whatever the umask. A stale unix socket nobody
// answers on is replaced. Closing a unix listener removes its socket file
// only while the file is still the one it created, never the socket of a
// process that replaced it.
func Listen(target string) (net.Listener, error) {
	return ListenWith(target, ListenOptions{})
}

// ListenWith is Listen with options.
func ListenWith(target string, opts ListenOptions) (net.Listener, error) {
	if opts.Mode == 0 {
		opts.Mode = 0o600
	}
	network, addr := splitTarget(target)
	ln, err := listen(network, addr, opts)
	if err != nil && network == "unix" && errors.Is(err, syscall.EADDRINUSE) {
		if c, derr := net.DialTimeout("unix", addr, time.Second); derr == nil {
			c.Close()
			return nil, fmt.Errorf("listen %s: socket is in use: %w", target, err)
		}
		if fi, serr := os.Lstat(addr); serr == nil && fi.Mode()&os.ModeSocket != 0 {
			os.Remove(addr)
			ln, err = listen(network, addr, opts)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", target, err)
	}
	return ln, nil
}

// listen listens on a unix socket through sockfile, on tcp with
// net.Listen, and on ssl with TLS over tcp.
func listen(network, addr string, opts ListenOptions) (net.Listener, error) {
	switch network {
	case "unix":
		uid := -1
		if opts.SocketOwner > 0 {
			uid = opts.SocketOwner
		}
		return sockfile.ListenMode(addr, sockfile.Perm{Mode: opts.Mode, UID: uid, GID: -1})
	case "ssl":
		if opts.TLS == nil {
			return nil, errors.New("an ssl: listener needs a TLS configuration (private key, certificate, CA certificate)")
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		return tls.NewListener(ln, opts.TLS), nil
	}
	return net.Listen(network, addr)
}

func splitTarget(target string) (network, addr string) {
	switch {
	case strings.HasPrefix(target, "unix:"), strings.HasPrefix(target, "punix:"):
		return "unix", target[strings.IndexByte(target, ':')+1:]
	case strings.HasPrefix(target, "tcp:"), strings.HasPrefix(target, "ptcp:"):
		return "tcp", target[strings.IndexByte(target, ':')+1:]
	case strings.HasPrefix(target, "ssl:"), strings.HasPrefix(target, "pssl:"):
		return "ssl", target[strings.IndexByte(target, ':')+1:]
	}
	return "unix", target
}
