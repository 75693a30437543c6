package agent

import (
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/ovsdb"
)

// Interface external_ids that secure a port (see docs/config.md, Port
// security).
const (
	// KeyAttachedMAC is the OpenStack/OVN convention: the VM's one MAC.
	KeyAttachedMAC = "attached-mac"
	// KeyAllowedMACs lists several MACs, separated by commas or spaces.
	KeyAllowedMACs = "vtep-allowed-macs"
	// KeyAllowedIPs lists the IPv4 addresses a secured port may send
	// from (IPv4 source, ARP sender), separated by commas or spaces.
	KeyAllowedIPs = "vtep-allowed-ips"
)

// portAllowedIPs reads a port's allowed IPv4 addresses from its
// interface's external_ids. With the key present (restricted), the
// secured port's ARP and IPv4 must come from those addresses (pipeline
// Port.IPSecured): entries that are not IPv4 unicast addresses are left
// out with a warning, so a key holding none allows no address (only DHCP
// requests and ARP probes pass: fail closed), and a bad entry never widens
// what the port may send. On a port that is not secured the key is
// ignored with a warning.
func portAllowedIPs(log *logrus.Entry, p ovsdb.PortInfo, secured bool) (restricted bool, ips []netip.Addr) {
	v, ok := p.IfaceExternal[KeyAllowedIPs]
	if !ok {
		return false, nil
	}
	fields := logrus.Fields{"port": p.Name, "key": "external_ids:" + KeyAllowedIPs}
	if !secured {
		log.WithFields(fields).Warn("port security: allowed IPs without attached-mac or " + KeyAllowedMACs + ": ignored, the port is not secured")
		return false, nil
	}
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		ip, err := netip.ParseAddr(s)
		if err != nil || !ip.Is4() || ip.IsUnspecified() || ip.IsMulticast() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
			log.WithFields(fields).WithField("value", s).Warn("port security: not an IPv4 unicast address, left out")
			continue
		}
		if !slices.Contains(ips, ip) {
			ips = append(ips, ip)
		}
	}
	if len(ips) == 0 {
		log.WithFields(fields).Warn("port security: no valid IPv4 address allowed; the port's IPv4 and ARP are dropped but DHCP requests and ARP probes")
	}
	return true, ips
}

// portSecurity reads a port's allowed source MACs from its interface's
// external_ids. A port with either key is secured; entries that are not
// unicast MACs are left out with a warning, so a port whose keys hold none
// is secured with nothing allowed: its frames are dropped (fail closed).
func portSecurity(log *logrus.Entry, p ovsdb.PortInfo) (secured bool, macs []net.HardwareAddr) {
	for _, key := range []string{KeyAttachedMAC, KeyAllowedMACs} {
		v, ok := p.IfaceExternal[key]
		if !ok {
			continue
		}
		secured = true
		for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
			mac, err := net.ParseMAC(s)
			if err != nil || len(mac) != 6 || mac[0]&1 != 0 || slices.Equal(mac, net.HardwareAddr{0, 0, 0, 0, 0, 0}) {
				log.WithFields(logrus.Fields{"port": p.Name, "key": "external_ids:" + key, "value": s}).
					Warn("port security: not a unicast MAC, left out")
				continue
			}
			if !slices.ContainsFunc(macs, func(m net.HardwareAddr) bool { return slices.Equal(m, mac) }) {
				macs = append(macs, mac)
			}
		}
	}
	if secured && len(macs) == 0 {
		log.WithField("port", p.Name).Warn("port security: no valid MAC allowed; every frame of the port is dropped")
	}
	return secured, macs
}
