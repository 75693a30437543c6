package config

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"
)

var linkLocalGroups = netip.MustParsePrefix("224.0.0.0/24")

// Validate checks the whole configuration and returns every problem found,
// joined, each a *FieldError naming the key path and the value. Nothing is
// changed.
func (c *Config) Validate() error {
	var errs errorList
	checkEndpoint(&errs, "ovsdb", c.OVSDB, true)
	c.validateOpenFlow(&errs)
	checkEndpoint(&errs, "api.listen", c.API.Listen, false)
	if c.Metrics.Listen != "" {
		if _, port, err := net.SplitHostPort(c.Metrics.Listen); err != nil || port == "" {
			errs.addf("metrics.listen", c.Metrics.Listen, ErrInvalid, "want HOST:PORT")
		}
	}
	checkName(&errs, "bridge", c.Bridge, true)
	switch c.DatapathType {
	case "netdev", "system":
	default:
		errs.addf("datapath_type", c.DatapathType, ErrInvalid, "want netdev or system")
	}
	c.validateUnderlay(&errs)
	c.validateTrusted(&errs)
	c.validateFlood(&errs)
	if c.MACAgeing < time.Second || c.MACAgeing > 65535*time.Second {
		errs.addf("mac_ageing", c.MACAgeing.String(), ErrOutOfRange, "want 1s..65535s")
	} else if c.MACAgeing%time.Second != 0 {
		errs.addf("mac_ageing", c.MACAgeing.String(), ErrInvalid, "want whole seconds")
	}
	c.validateMACFlap(&errs)
	c.validateNetworks(&errs)
	c.validateEVPN(&errs)
	if len(errs) == 0 && c.Flood.Mode == FloodMulticast {
		if _, err := c.MulticastGateways(); err != nil {
			errs = append(errs, err)
		}
	}
	return errs.join()
}

func (c *Config) validateUnderlay(errs *errorList) {
	u := c.Underlay
	checkName(errs, "underlay.bridge", u.Bridge, true)
	if u.Bridge != "" && u.Bridge == c.Bridge {
		errs.addf("underlay.bridge", u.Bridge, ErrInvalid, "must differ from bridge")
	}
	checkName(errs, "underlay.uplink", u.Uplink, c.Flood.Mode == FloodMulticast)
	switch {
	case !u.LocalIP.IsValid():
		errs.add("underlay.local_ip", "", ErrRequired)
	case !u.LocalIP.Addr().Is4():
		errs.addf("underlay.local_ip", u.LocalIP.String(), ErrInvalid, "want an IPv4 address")
	case !isUnicast(u.LocalIP.Addr()):
		errs.addf("underlay.local_ip", u.LocalIP.String(), ErrInvalid, "want a unicast address")
	case u.LocalIP.Bits() < 31 && (u.LocalIP.Addr() == u.LocalIP.Masked().Addr() || u.LocalIP.Addr() == lastAddr(u.LocalIP)):
		errs.addf("underlay.local_ip", u.LocalIP.String(), ErrInvalid, "is the subnet's network or broadcast address")
	}
	seen := make(map[netip.Addr]bool)
	for i, gw := range u.MulticastGateways {
		p := fmt.Sprintf("underlay.mcast_gateways[%d]", i)
		switch {
		case !gw.Is4():
			errs.addf(p, gw.String(), ErrInvalid, "want an IPv4 address")
		case seen[gw]:
			errs.add(p, gw.String(), ErrDuplicate)
		case u.LocalIP.IsValid() && !u.LocalIP.Masked().Contains(gw):
			errs.addf(p, gw.String(), ErrInvalid, "not inside underlay.local_ip's subnet %s", u.LocalIP.Masked())
		case u.LocalIP.IsValid() && gw == u.LocalIP.Addr():
			errs.addf(p, gw.String(), ErrInvalid, "is underlay.local_ip")
		case contains(c.Flood.Peers, gw):
			errs.addf(p, gw.String(), ErrInvalid, "is a flood peer")
		}
		seen[gw] = true
	}
}

func (c *Config) validateFlood(errs *errorList) {
	switch c.Flood.Mode {
	case FloodMulticast, FloodReplication:
	default:
		errs.addf("flood.mode", string(c.Flood.Mode), ErrInvalid, "want multicast or replication")
	}
	if c.Flood.Mode == FloodReplication && len(c.Flood.Peers) == 0 && !c.allEVPN() {
		errs.addf("flood.peers", "", ErrRequired, "replication mode needs at least one peer VTEP (EVPN networks do not)")
	}
	seen := make(map[netip.Addr]bool)
	for i, p := range c.Flood.Peers {
		path := fmt.Sprintf("flood.peers[%d]", i)
		switch {
		case !p.Is4() || !isUnicast(p):
			errs.addf(path, p.String(), ErrInvalid, "want a unicast IPv4 address")
		case seen[p]:
			errs.add(path, p.String(), ErrDuplicate)
		case c.Underlay.LocalIP.IsValid() && p == c.Underlay.LocalIP.Addr():
			errs.addf(path, p.String(), ErrInvalid, "is underlay.local_ip")
		}
		seen[p] = true
	}
}

func (c *Config) validateNetworks(errs *errorList) {
	vnis := make(map[uint32]int)
	vlans := make(map[uint16]int)
	type owned struct {
		p   netip.Prefix
		net int
	}
	var subnets []owned
	for i, n := range c.Networks {
		p := fmt.Sprintf("networks[%d]", i)
		if n.VNI == 0 {
			errs.add(p+".vni", "", ErrRequired)
		} else if j, dup := vnis[n.VNI]; dup {
			errs.addf(p+".vni", fmt.Sprint(n.VNI), ErrDuplicate, "also networks[%d].vni", j)
		} else {
			vnis[n.VNI] = i
		}
		if n.VLAN != 0 {
			if j, dup := vlans[n.VLAN]; dup {
				errs.addf(p+".vlan", fmt.Sprint(n.VLAN), ErrDuplicate, "already mapped by networks[%d] (one VLAN maps to one VNI)", j)
			} else {
				vlans[n.VLAN] = i
			}
		}
		if n.VLAN == 0 && len(n.Subnets) == 0 {
			errs.addf(p, "", ErrRequired, "a network needs vlan or subnets")
		}
		if n.ARPSuppression != "" && !slices.Contains(ARPSuppressionModes, n.ARPSuppression) {
			errs.addf(p+".arp_suppression", n.ARPSuppression, ErrInvalid, "want one of %s", strings.Join(ARPSuppressionModes, ", "))
		}
		switch {
		case !n.Group.IsValid():
			if c.Flood.Mode == FloodMulticast && !c.UsesEVPN(n.VNI) {
				errs.addf(p+".group", "", ErrRequired, "multicast mode needs a group per network (EVPN networks do not)")
			}
		case !n.Group.Is4() || !n.Group.IsMulticast():
			errs.addf(p+".group", n.Group.String(), ErrInvalid, "want an IPv4 multicast address (224.0.0.0/4)")
		case linkLocalGroups.Contains(n.Group):
			errs.addf(p+".group", n.Group.String(), ErrInvalid, "is in 224.0.0.0/24 (link-local control groups)")
		}
		for k, s := range n.Subnets {
			sp := fmt.Sprintf("%s.subnets[%d]", p, k)
			switch {
			case !s.Addr().Is4():
				errs.addf(sp, s.String(), ErrInvalid, "want an IPv4 prefix")
				continue
			case s != s.Masked():
				errs.addf(sp, s.String(), ErrInvalid, "has host bits set (did you mean %s?)", s.Masked())
				continue
			}
			for _, o := range subnets {
				if o.p.Overlaps(s) {
					errs.addf(sp, s.String(), ErrDuplicate, "overlaps %s of networks[%d]", o.p, o.net)
				}
			}
			subnets = append(subnets, owned{s, i})
		}
	}
}

// checkEndpoint accepts unix:PATH and tcp:HOST:PORT.
func checkEndpoint(errs *errorList, path, v string, required bool) {
	if v == "" {
		if required {
			errs.add(path, "", ErrRequired)
		}
		return
	}
	if !endpointOK(v, false) {
		errs.addf(path, v, ErrInvalid, "want unix:PATH or tcp:HOST:PORT")
	}
}

// endpointOK reads unix:PATH, tcp:HOST:PORT and, if ssl, ssl:HOST:PORT.
func endpointOK(v string, ssl bool) bool {
	kind, rest, _ := strings.Cut(v, ":")
	switch kind {
	case "unix":
		return rest != ""
	case "ssl":
		if !ssl {
			return false
		}
		fallthrough
	case "tcp":
		_, port, err := net.SplitHostPort(rest)
		return err == nil && port != ""
	}
	return false
}

// checkName accepts a Linux/OVS interface name: 1..15 characters, no
// whitespace or slash.
func checkName(errs *errorList, path, v string, required bool) {
	switch {
	case v == "":
		if required {
			errs.add(path, "", ErrRequired)
		}
	case len(v) > 15 || strings.ContainsAny(v, " \t\n/:"):
		errs.addf(path, v, ErrInvalid, "want an interface name of at most 15 characters without spaces, '/' or ':'")
	}
}

func isUnicast(a netip.Addr) bool {
	return a.IsValid() && !a.IsMulticast() && !a.IsUnspecified() && !a.IsLoopback() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

func contains(list []netip.Addr, a netip.Addr) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}
