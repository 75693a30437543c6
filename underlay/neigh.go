package underlay

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// PeerNeighbor keeps OVS's tunnel neighbour entry of one peer VTEP resolved.
//
// OVS resolves a tunnel's next hop in its own neighbour cache, and drops the
// tunnel packet that finds no entry while it sends an ARP request. For a
// static list of peers (head-end replication) that loses the first flood to
// each peer, and again whenever OVS's entry has aged out. So vtepd asks the
// host's kernel to resolve the peer (a datagram to the discard port makes
// the kernel ARP for it, or re-validate a stale entry) and copies the
// kernel's answer into OVS's cache. OVS 3.1 ages entries set by hand like
// learned ones (15 minutes unused), so Ensure sets the entry every time it
// runs (vtepd's periodic resync), which keeps it from ever expiring.
type PeerNeighbor struct {
	Peer   net.IP
	Bridge string // the underlay bridge: the interface holding the VTEP IP
	Local  net.IP // the VTEP IP (source of the probe)
}

// Ensure resolves the peer and sets OVS's entry if it is missing or
// differs. It reports whether it changed OVS's cache.
func (p PeerNeighbor) Ensure(ctx context.Context, u Caller) (bool, error) {
	mac, err := p.resolve(ctx, 2*time.Second)
	if err != nil {
		return false, err
	}
	show, err := u.Call(ctx, "tnl/neigh/show")
	if err != nil {
		return false, err
	}
	had := hasNeigh(show, p.Peer, mac.String(), p.Bridge)
	if _, err := u.Call(ctx, "tnl/neigh/set", p.Bridge, p.Peer.String(), mac.String()); err != nil {
		return false, fmt.Errorf("peer %s: neighbour %s on %s: %w", p.Peer, mac, p.Bridge, err)
	}
	return !had, nil
}

// resolve returns the kernel's MAC for the peer on the bridge interface,
// probing first so that a missing or stale entry gets (re)validated, and
// waiting at most wait for an answer.
func (p PeerNeighbor) resolve(ctx context.Context, wait time.Duration) (net.HardwareAddr, error) {
	link, err := netlink.LinkByName(p.Bridge)
	if err != nil {
		return nil, fmt.Errorf("peer %s: interface %s: %w", p.Peer, p.Bridge, err)
	}
	if err := p.probe(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		neighs, err := netlink.NeighList(link.Attrs().Index, netlink.FAMILY_V4)
		if err != nil {
			return nil, fmt.Errorf("peer %s: read neighbours of %s: %w", p.Peer, p.Bridge, err)
		}
		for _, n := range neighs {
			if n.IP.Equal(p.Peer) && len(n.HardwareAddr) == 6 &&
				n.State&(netlink.NUD_REACHABLE|netlink.NUD_STALE|netlink.NUD_DELAY|netlink.NUD_PROBE|netlink.NUD_PERMANENT) != 0 {
				return n.HardwareAddr, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("peer %s: no ARP answer on %s: %w", p.Peer, p.Bridge, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// probe sends one empty datagram from the VTEP IP to the peer's discard
// port; the kernel resolves the peer to send it.
func (p PeerNeighbor) probe() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return fmt.Errorf("peer %s: probe socket: %w", p.Peer, err)
	}
	defer unix.Close(fd)
	var local, peer [4]byte
	copy(local[:], p.Local.To4())
	copy(peer[:], p.Peer.To4())
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: local}); err != nil {
		return fmt.Errorf("peer %s: bind probe to %s: %w", p.Peer, p.Local, err)
	}
	err = unix.Sendto(fd, nil, unix.MSG_DONTWAIT, &unix.SockaddrInet4{Port: 9, Addr: peer})
	if err != nil && !strings.Contains(err.Error(), "resource temporarily unavailable") {
		return fmt.Errorf("peer %s: probe: %w", p.Peer, err)
	}
	return nil
}

// GatewayInUse reports whether a placeholder gateway (see GroupRoute)
// belongs to a real host: it asks the kernel to resolve the address and
// returns the MAC that answered. OVS's neighbour entry for the placeholder
// would send that host's tunnel traffic to a multicast MAC, so vtepd refuses
// such a placeholder.
func GatewayInUse(ctx context.Context, bridge string, local, gateway net.IP) (net.HardwareAddr, bool) {
	p := PeerNeighbor{Peer: gateway, Bridge: bridge, Local: local}
	mac, err := p.resolve(ctx, 300*time.Millisecond)
	if err != nil || mac[0]&1 != 0 {
		return nil, false
	}
	return mac, true
}
