package config

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EVPN configures the BGP EVPN control plane (off while ASN is 0). Its
// networks learn remote MACs and VTEPs from BGP instead of the data plane
// and flood by ingress replication to the VTEPs that announced them; the
// other networks keep flood-and-learn in the same vtepd.
type EVPN struct {
	// ASN is this VTEP's autonomous system number; 0 turns EVPN off.
	ASN uint32 `yaml:"asn" range:"0..4294967295"`
	// RouterID is the BGP router ID; unset: underlay.local_ip's address.
	RouterID netip.Addr `yaml:"router_id"`
	// ListenPort is the TCP port vtepd accepts BGP sessions on, at the
	// VTEP address; 0: none (vtepd only connects out).
	ListenPort uint16 `yaml:"listen_port" range:"0..65535"`
	// Networks are the VNIs that use EVPN; empty (or "all"): every
	// network.
	Networks VNIList `yaml:"networks" range:"1..16777215"`
	// Neighbors are the BGP peers: route reflectors or other VTEPs.
	Neighbors []Neighbor `yaml:"neighbors"`
	// RestartTime is the graceful restart time: how long the peers keep
	// this VTEP's routes while vtepd restarts (1s..4095s).
	RestartTime time.Duration `yaml:"restart_time"`
}

// Neighbor is one BGP peer.
type Neighbor struct {
	// Address is the peer's IPv4 address.
	Address netip.Addr `yaml:"address"`
	// ASN is the peer's AS number (equal to evpn.asn: iBGP).
	ASN uint32 `yaml:"asn" range:"1..4294967295"`
	// Port is the peer's BGP port; 0: 179.
	Port uint16 `yaml:"port" range:"0..65535"`
	// Password is the TCP MD5 signature key (RFC 2385); empty: none.
	Password string `yaml:"password"`
}

// VNIList is a list of VNIs; the word "all" stands for every network (an
// empty list).
type VNIList []uint32

// UnmarshalText reads the word "all".
func (l *VNIList) UnmarshalText(b []byte) error {
	if string(b) != "all" {
		return fmt.Errorf("%q: want all or a list of VNIs", b)
	}
	*l = nil
	return nil
}

// Defaults of evpn.
const (
	DefaultBGPPort         = 179
	DefaultEVPNRestartTime = 120 * time.Second
)

// Enabled reports whether EVPN is on.
func (e EVPN) Enabled() bool { return e.ASN != 0 }

// UsesEVPN reports whether network vni is served by EVPN.
func (c *Config) UsesEVPN(vni uint32) bool {
	if !c.EVPN.Enabled() {
		return false
	}
	return len(c.EVPN.Networks) == 0 || slices.Contains(c.EVPN.Networks, vni)
}

// allEVPN reports whether EVPN serves every network (then no flood peers
// are needed).
func (c *Config) allEVPN() bool {
	for _, n := range c.Networks {
		if !c.UsesEVPN(n.VNI) {
			return false
		}
	}
	return c.EVPN.Enabled()
}

// EVPNRouterID returns the router ID: evpn.router_id, else the VTEP IP.
func (c *Config) EVPNRouterID() netip.Addr {
	if c.EVPN.RouterID.IsValid() {
		return c.EVPN.RouterID
	}
	return c.Underlay.LocalIP.Addr()
}

// validateEVPN checks evpn and the networks' rd and route_target.
func (c *Config) validateEVPN(errs *errorList) {
	e := c.EVPN
	for i, n := range c.Networks {
		p := fmt.Sprintf("networks[%d]", i)
		if n.RD != "" && !validRD(n.RD) {
			errs.addf(p+".rd", n.RD, ErrInvalid, "want IP:N (N 0..65535) or ASN:N")
		}
		if n.RouteTarget != "" && !validRT(n.RouteTarget) {
			errs.addf(p+".route_target", n.RouteTarget, ErrInvalid, "want ASN:N")
		}
	}
	if !e.Enabled() {
		if len(e.Neighbors) > 0 || len(e.Networks) > 0 {
			errs.addf("evpn.asn", "", ErrRequired, "EVPN needs this VTEP's AS number")
		}
		return
	}
	if e.RouterID.IsValid() && (!e.RouterID.Is4() || e.RouterID.IsUnspecified()) {
		errs.addf("evpn.router_id", e.RouterID.String(), ErrInvalid, "want an IPv4 address")
	}
	if e.RestartTime < time.Second || e.RestartTime > 4095*time.Second {
		errs.addf("evpn.restart_time", e.RestartTime.String(), ErrOutOfRange, "want 1s..4095s")
	}
	if len(e.Neighbors) == 0 {
		errs.addf("evpn.neighbors", "", ErrRequired, "EVPN needs at least one BGP neighbour")
	}
	seen := map[netip.Addr]bool{}
	for i, n := range e.Neighbors {
		p := fmt.Sprintf("evpn.neighbors[%d]", i)
		switch {
		case !n.Address.IsValid():
			errs.add(p+".address", "", ErrRequired)
		case !n.Address.Is4() || !isUnicast(n.Address):
			errs.addf(p+".address", n.Address.String(), ErrInvalid, "want a unicast IPv4 address")
		case seen[n.Address]:
			errs.add(p+".address", n.Address.String(), ErrDuplicate)
		case c.Underlay.LocalIP.IsValid() && n.Address == c.Underlay.LocalIP.Addr():
			errs.addf(p+".address", n.Address.String(), ErrInvalid, "is underlay.local_ip")
		}
		seen[n.Address] = true
		if n.ASN == 0 {
			errs.add(p+".asn", "", ErrRequired)
		}
		if len(n.Password) > 80 {
			errs.addf(p+".password", "", ErrInvalid, "at most 80 characters (TCP MD5 key)")
		}
	}
	c.validateEVPNNetworks(errs)
}

// validateEVPNNetworks checks that evpn.networks names configured networks
// and that two EVPN networks do not share an automatic RD.
func (c *Config) validateEVPNNetworks(errs *errorList) {
	for i, vni := range c.EVPN.Networks {
		if _, ok := c.Network(vni); !ok {
			errs.addf(fmt.Sprintf("evpn.networks[%d]", i), fmt.Sprint(vni), ErrInvalid, "no network has this VNI")
		}
	}
	rds := map[uint32]int{}
	for i, n := range c.Networks {
		if !c.UsesEVPN(n.VNI) || n.RD != "" {
			continue
		}
		if j, dup := rds[n.VNI&0xffff]; dup {
			errs.addf(fmt.Sprintf("networks[%d].rd", i), "", ErrDuplicate,
				"the automatic RD (router ID:VNI mod 65536) equals that of networks[%d]; set rd", j)
			continue
		}
		rds[n.VNI&0xffff] = i
	}
}

// validRD accepts IP:N (N 0..65535) and ASN:N (ASN 0..65535, N 32 bits;
// or a 4-byte ASN and N 0..65535).
func validRD(s string) bool {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return false
	}
	n, err := strconv.ParseUint(b, 10, 32)
	if err != nil {
		return false
	}
	if ip, err := netip.ParseAddr(a); err == nil {
		return ip.Is4() && n <= 0xffff
	}
	asn, err := strconv.ParseUint(a, 10, 32)
	return err == nil && (asn <= 0xffff || n <= 0xffff)
}

// validRT accepts ASN:N as validRD does, without the IP form.
func validRT(s string) bool {
	a, _, _ := strings.Cut(s, ":")
	if _, err := netip.ParseAddr(a); err == nil {
		return false
	}
	return validRD(s)
}
