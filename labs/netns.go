package labs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// netnsDir is where iproute2 (and vishvananda/netns) keep named namespaces.
const netnsDir = "/var/run/netns"

// AddNetns creates a named network namespace, as `ip netns add` does, and
// brings its loopback up. The caller's thread is left in its own namespace.
func AddNetns(name string) error {
	if err := ValidateName("namespace", name, 64); err != nil {
		return err
	}
	if NetnsExists(name) {
		return wrap(fmt.Sprintf("namespace %q", name), "create", os.ErrExist)
	}
	// NewNamed moves the calling thread into the new namespace.
	err := switchBack(name, func() error {
		ns, err := netns.NewNamed(name)
		if err != nil {
			return wrap(fmt.Sprintf("namespace %q", name), "create", err)
		}
		return ns.Close()
	})
	if err != nil {
		return err
	}
	return withHandle(name, func(h *netlink.Handle) error {
		lo, err := h.LinkByName("lo")
		if err != nil {
			return wrap(fmt.Sprintf("namespace %q", name), "find lo", err)
		}
		return wrap(fmt.Sprintf("namespace %q", name), "set lo up", h.LinkSetUp(lo))
	})
}

// DelNetns deletes a named network namespace. Interfaces inside it go with it.
func DelNetns(name string) error {
	if err := netns.DeleteNamed(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return wrap(fmt.Sprintf("namespace %q", name), "delete", err)
	}
	return nil
}

// NetnsExists reports whether a named namespace exists.
func NetnsExists(name string) bool {
	_, err := os.Stat(filepath.Join(netnsDir, name))
	return err == nil
}

// ListNetns returns the named namespaces whose names start with prefix.
func ListNetns(prefix string) ([]string, error) {
	entries, err := os.ReadDir(netnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("labs: list namespaces: %w", err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// NetnsPids returns the processes whose network namespace is the named one,
// as `ip netns pids` does.
func NetnsPids(name string) ([]int, error) {
	var target, st os.FileInfo
	target, err := os.Stat(filepath.Join(netnsDir, name))
	if err != nil {
		return nil, fmt.Errorf("labs: namespace %q: %w", name, err)
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("labs: read /proc: %w", err)
	}
	var pids []int
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		if st, err = os.Stat(filepath.Join("/proc", p.Name(), "ns", "net")); err != nil {
			continue
		}
		if os.SameFile(st, target) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// withHandle runs f with a netlink handle bound to a named namespace ("" for
// the caller's), without moving the calling goroutine's thread.
func withHandle(nsName string, f func(h *netlink.Handle) error) error {
	if nsName == "" {
		h, err := netlink.NewHandle()
		if err != nil {
			return fmt.Errorf("labs: netlink handle: %w", err)
		}
		defer h.Close()
		return f(h)
	}
	ns, err := netns.GetFromName(nsName)
	if err != nil {
		return wrap(fmt.Sprintf("namespace %q", nsName), "open", err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return wrap(fmt.Sprintf("namespace %q", nsName), "netlink handle", err)
	}
	defer h.Close()
	return f(h)
}

// InNetns runs f on a thread switched into the named namespace, then
// switches back. Sockets f opens stay in that namespace after it returns.
func InNetns(name string, f func() error) error {
	return switchBack(name, func() error {
		ns, err := netns.GetFromName(name)
		if err != nil {
			return wrap(fmt.Sprintf("namespace %q", name), "open", err)
		}
		defer ns.Close()
		if err := netns.Set(ns); err != nil {
			return wrap(fmt.Sprintf("namespace %q", name), "enter", err)
		}
		return f()
	})
}

// switchBack runs f on a locked thread that f may move into another
// namespace, and moves the thread back to its own namespace afterwards.
func switchBack(name string, f func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		return wrap(fmt.Sprintf("namespace %q", name), "read current namespace", err)
	}
	defer orig.Close()
	ferr := f()
	if err := netns.Set(orig); err != nil {
		// The thread is in the wrong namespace: keep it locked so it dies with the goroutine.
		runtime.LockOSThread()
		return wrap(fmt.Sprintf("namespace %q", name), "return to the original namespace", err)
	}
	return ferr
}

// DisableIPv6 turns IPv6 off in a namespace (for all interfaces, present and future).
func DisableIPv6(name string) error {
	return InNetns(name, func() error {
		for _, f := range []string{"/proc/sys/net/ipv6/conf/all/disable_ipv6", "/proc/sys/net/ipv6/conf/default/disable_ipv6"} {
			if err := os.WriteFile(f, []byte("1"), 0o644); err != nil {
				return wrap(fmt.Sprintf("namespace %q", name), "disable IPv6", err)
			}
		}
		return nil
	})
}

// SetSysctl writes a sysctl (its path under /proc/sys, e.g.
// "net/ipv4/conf/eth0/arp_ignore") inside a namespace.
func SetSysctl(name, key, value string) error {
	return InNetns(name, func() error {
		if err := os.WriteFile("/proc/sys/"+key, []byte(value), 0o644); err != nil {
			return wrap(fmt.Sprintf("namespace %q", name), "set "+key+" = "+value, err)
		}
		return nil
	})
}
