package agent

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/api"
)

// The uplink's ARP setting. The VTEP address lives on the underlay bridge's
// internal port, but the kernel also sees what arrives on the uplink (an
// OVS port) and, with net.ipv4.conf.<uplink>.arp_ignore=0, answers ARP for
// any of its addresses there, with the uplink's own MAC. A peer that takes
// that answer sends its VXLAN packets to a MAC the underlay bridge does not
// decapsulate: a kernel VTEP's first packets are lost. vtepd reads the
// setting in its network namespace at start and on each periodic resync,
// logs a warning when the kernel answers, and status shows it.

// procIPv4Conf is where the kernel publishes per-interface IPv4 settings
// of the reading process's network namespace.
const procIPv4Conf = "/proc/sys/net/ipv4/conf"

// uplinkARPCheck keeps the last reading of the uplink's arp_ignore.
type uplinkARPCheck struct {
	root string // procIPv4Conf, or a directory in tests
	mu   sync.Mutex
	last *api.UplinkStatus
}

// arpIgnoreOK reports whether the kernel, at this arp_ignore (the larger of
// the interface's and "all"), does not answer ARP on an interface for an
// address held by another interface: 1 and 2 answer only for addresses of
// the receiving interface, 8 never answers; 0, 3 and the reserved 4..7
// answer.
func arpIgnoreOK(v int) bool { return v == 1 || v == 2 || v == 8 }

// sysctlName prints a per-interface IPv4 sysctl as sysctl(8) takes it
// (with slashes when the interface name has a dot).
func sysctlName(iface, key string) string {
	if strings.Contains(iface, ".") {
		return "net/ipv4/conf/" + iface + "/" + key
	}
	return "net.ipv4.conf." + iface + "." + key
}

// assessUplinkARP turns the readings of the uplink's and "all"'s
// arp_ignore into a status, with a warning when the kernel answers ARP for
// the VTEP address localIP on the uplink.
func assessUplinkARP(uplink, localIP string, dev, all int, err error) api.UplinkStatus {
	s := api.UplinkStatus{Name: uplink, ARPIgnore: dev, ARPIgnoreAll: all}
	if err != nil {
		s.ARPIgnore, s.ARPIgnoreAll, s.Error = -1, -1, err.Error()
		return s
	}
	if eff := max(dev, all); !arpIgnoreOK(eff) {
		s.Warning = fmt.Sprintf("%s is %d (all: %d): the kernel answers ARP for the VTEP address %s on %s with %s's own MAC, "+
			"and a peer that takes that answer loses its first VXLAN packets; set it to 1 (sysctl -w %s=1)",
			sysctlName(uplink, "arp_ignore"), dev, all, localIP, uplink, uplink, sysctlName(uplink, "arp_ignore"))
	}
	return s
}

// readARPIgnore reads arp_ignore of an interface under root.
func readARPIgnore(root, iface string) (int, error) {
	b, err := os.ReadFile(filepath.Join(root, iface, "arp_ignore"))
	if errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("%s: no such kernel interface in vtepd's network namespace", iface)
	}
	if err != nil {
		return 0, fmt.Errorf("read arp_ignore: %w", err)
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("arp_ignore of %s: %w", iface, err)
	}
	return v, nil
}

// check reads the uplink's setting, keeps it for status and logs when the
// finding changes (a warning when the kernel answers ARP on the uplink).
func (c *uplinkARPCheck) check(log *logrus.Entry, uplink, localIP string) {
	if uplink == "" {
		c.mu.Lock()
		c.last = nil
		c.mu.Unlock()
		return
	}
	root := c.root
	if root == "" {
		root = procIPv4Conf
	}
	dev, err := readARPIgnore(root, uplink)
	all := 0
	if err == nil {
		all, err = readARPIgnore(root, "all")
	}
	s := assessUplinkARP(uplink, localIP, dev, all, err)
	c.mu.Lock()
	prev := c.last
	c.last = &s
	c.mu.Unlock()
	if prev != nil && *prev == s {
		return
	}
	l := log.WithFields(logrus.Fields{"uplink": uplink, "arp_ignore": s.ARPIgnore, "arp_ignore_all": s.ARPIgnoreAll})
	switch {
	case s.Warning != "":
		l.Warn(s.Warning)
	case s.Error != "":
		l.WithField("error", s.Error).Info("uplink's arp_ignore unknown")
	case prev != nil && prev.Warning != "":
		l.Info("uplink's arp_ignore fixed: the kernel no longer answers ARP for the VTEP address on it")
	}
}

// status returns the last reading, nil when there is no uplink.
func (c *uplinkARPCheck) status() *api.UplinkStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		return nil
	}
	s := *c.last
	return &s
}

// checkUplinkARP reads the configured uplink's arp_ignore.
func (a *Agent) checkUplinkARP() {
	cfg := a.config()
	a.uplinkARP.check(a.log, cfg.Underlay.Uplink, cfg.Underlay.LocalIP.Addr().String())
}
