package underlay

import (
	"fmt"
	"net"
	"sync"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// Membership holds real IGMP membership of multicast groups on the VTEP's
// underlay interface. With an IGMP-snooping underlay, only hosts that joined
// a group receive its packets; joining with a socket makes the kernel send
// membership reports (and answer queries) out of the interface that holds
// the VTEP address, which on an OVS hypervisor is the underlay bridge's
// internal port. It must run in the hypervisor's network namespace.
type Membership struct {
	local net.IP // VTEP address: selects the interface to join on

	mu     sync.Mutex
	fd     int
	groups map[string]net.IP
}

// NewMembership opens the socket that holds the memberships.
func NewMembership(local net.IP) (*Membership, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return nil, fmt.Errorf("igmp: open socket: %w", err)
	}
	return &Membership{local: local.To4(), fd: fd, groups: map[string]net.IP{}}, nil
}

func (m *Membership) mreq(group net.IP) *unix.IPMreq {
	var r unix.IPMreq
	copy(r.Multiaddr[:], group.To4())
	copy(r.Interface[:], m.local)
	return &r
}

// Set makes the joined groups exactly want: it joins the missing ones and
// leaves the others. It returns the first error but tries every group.
func (m *Membership) Set(want []net.IP) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	keep := map[string]bool{}
	var first error
	for _, g := range want {
		k := g.String()
		keep[k] = true
		if _, ok := m.groups[k]; ok {
			continue
		}
		if err := unix.SetsockoptIPMreq(m.fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, m.mreq(g)); err != nil {
			if first == nil {
				first = fmt.Errorf("igmp: join %s on %s: %w", g, m.local, err)
			}
			continue
		}
		m.groups[k] = g
		logrus.WithFields(logrus.Fields{"group": k, "interface": m.local.String()}).Info("joined multicast group")
	}
	for k, g := range m.groups {
		if keep[k] {
			continue
		}
		if err := unix.SetsockoptIPMreq(m.fd, unix.IPPROTO_IP, unix.IP_DROP_MEMBERSHIP, m.mreq(g)); err != nil && first == nil {
			first = fmt.Errorf("igmp: leave %s on %s: %w", g, m.local, err)
		}
		delete(m.groups, k)
		logrus.WithFields(logrus.Fields{"group": k, "interface": m.local.String()}).Info("left multicast group")
	}
	return first
}

// Groups returns the groups currently joined.
func (m *Membership) Groups() []net.IP {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]net.IP, 0, len(m.groups))
	for _, g := range m.groups {
		out = append(out, g)
	}
	return out
}

// Close leaves every group (closing the socket drops its memberships).
func (m *Membership) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.groups = map[string]net.IP{}
	return unix.Close(m.fd)
}
