package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// ErrRestartOnly says a reload changed a key that only a restart of vtepd
// applies; test for it with errors.Is.
var ErrRestartOnly = errors.New("needs a restart of vtepd")

// restartOnly lists the keys a reload cannot change: what vtepd attaches to
// at start (endpoints, bridges, sockets, the VTEP address), each with how
// to read it for comparison. docs/config.md marks these "restart".
var restartOnly = []struct {
	key string
	get func(*Config) string
}{
	{"ovsdb", func(c *Config) string { return c.OVSDB }},
	{"ovs_unixctl", func(c *Config) string { return c.OVSUnixctl }},
	{"openflow.listen", func(c *Config) string { return c.OpenFlow.Listen }},
	{"openflow.ovs_user", func(c *Config) string { return c.OpenFlow.OVSUser }},
	{"openflow.max_connections", func(c *Config) string { return fmt.Sprint(c.OpenFlow.MaxConnections) }},
	{"openflow.max_handshakes", func(c *Config) string { return fmt.Sprint(c.OpenFlow.MaxHandshakes) }},
	{"openflow.private_key", func(c *Config) string { return c.OpenFlow.PrivateKey }},
	{"openflow.certificate", func(c *Config) string { return c.OpenFlow.Certificate }},
	{"openflow.ca_cert", func(c *Config) string { return c.OpenFlow.CACert }},
	{"bridge", func(c *Config) string { return c.Bridge }},
	{"datapath_type", func(c *Config) string { return c.DatapathType }},
	{"underlay.bridge", func(c *Config) string { return c.Underlay.Bridge }},
	{"underlay.uplink", func(c *Config) string { return c.Underlay.Uplink }},
	{"underlay.local_ip", func(c *Config) string { return c.Underlay.LocalIP.String() }},
	{"underlay.udp_port", func(c *Config) string { return fmt.Sprint(c.Underlay.UDPPort) }},
	{"flood.mode", func(c *Config) string { return string(c.Flood.Mode) }},
	{"api.listen", func(c *Config) string { return c.API.Listen }},
	{"metrics.listen", func(c *Config) string { return c.Metrics.Listen }},
	{"evpn.asn", func(c *Config) string { return fmt.Sprint(c.EVPN.ASN) }},
	{"evpn.router_id", func(c *Config) string { return c.EVPN.RouterID.String() }},
	{"evpn.listen_port", func(c *Config) string { return fmt.Sprint(c.EVPN.ListenPort) }},
	{"evpn.neighbors", func(c *Config) string { return fmt.Sprint(len(c.EVPN.Neighbors)) }},
	{"evpn.neighbors[i].address", func(c *Config) string { return neighborField(c, func(n Neighbor) any { return n.Address }) }},
	{"evpn.neighbors[i].asn", func(c *Config) string { return neighborField(c, func(n Neighbor) any { return n.ASN }) }},
	{"evpn.neighbors[i].port", func(c *Config) string { return neighborField(c, func(n Neighbor) any { return n.Port }) }},
	{"evpn.neighbors[i].password", func(c *Config) string { return neighborField(c, func(n Neighbor) any { return n.Password }) }},
	{"evpn.restart_time", func(c *Config) string { return c.EVPN.RestartTime.String() }},
}

// reloadable lists the keys a reload applies (SIGHUP): the overlay's
// content. docs/config.md marks these "yes".
var reloadable = []string{
	"mac_ageing", "mac_flap.max_moves", "mac_flap.window", "max_macs", "max_macs_per_port",
	"networks", "networks[i].vni", "networks[i].vlan", "networks[i].group", "networks[i].subnets", "networks[i].max_macs",
	"bum_pps", "networks[i].bum_pps", "networks[i].arp_suppression",
	"underlay.mcast_gateways",
	"underlay.trusted_vteps",
	"flood.peers",
	"evpn.networks", "networks[i].rd", "networks[i].route_target",
}

// ReloadPolicy returns every key with whether a reload applies it (true)
// or only a restart does (false).
func ReloadPolicy() map[string]bool {
	m := map[string]bool{}
	for _, k := range restartOnly {
		m[k.key] = false
	}
	for _, k := range reloadable {
		m[k] = true
	}
	return m
}

// RestartOnlyKeys returns the keys only a restart applies, sorted.
func RestartOnlyKeys() []string {
	p := ReloadPolicy()
	return slices.Sorted(func(yield func(string) bool) {
		for k := range maps.Keys(p) {
			if !p[k] && !yield(k) {
				return
			}
		}
	})
}

// RestartOnlyChanges returns an error naming every restart-only key whose
// value differs between old and next (each wrapping ErrRestartOnly), or nil.
func RestartOnlyChanges(old, next *Config) error {
	var errs []error
	for _, k := range restartOnly {
		a, b := k.get(old), k.get(next)
		if a != b {
			errs = append(errs, fmt.Errorf("%s: changing %q to %q %w", k.key, a, b, ErrRestartOnly))
		}
	}
	return errors.Join(errs...)
}

// neighborField lists one field of every evpn neighbour, for comparison.
func neighborField(c *Config, f func(Neighbor) any) string {
	out := make([]any, len(c.EVPN.Neighbors))
	for i, n := range c.EVPN.Neighbors {
		out[i] = f(n)
	}
	return fmt.Sprint(out...)
}
