package config

import (
	"errors"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReloadPolicyMatchesDocs keeps three lists in step: the keys of
// Config, the reload policy vtepd enforces, and the reload column of
// docs/config.md.
func TestReloadPolicyMatchesDocs(t *testing.T) {
	policy := ReloadPolicy()
	for _, k := range configKeys() {
		if _, ok := policy[k]; !ok {
			t.Errorf("key %s has no reload policy", k)
		}
	}
	doc, err := os.ReadFile("../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `([^`]+)` \\|")
	documented := map[string]string{}
	for _, line := range strings.Split(string(doc), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		// split on unescaped pipes: | key | type | default | reload | meaning |
		cells := regexp.MustCompile(`[^\\]\|`).Split(line+" ", -1)
		if len(cells) < 5 {
			t.Errorf("docs/config.md row of %s has %d columns: %s", m[1], len(cells), line)
			continue
		}
		documented[m[1]] = strings.TrimSpace(cells[3])
	}
	for k, reload := range policy {
		want := "restart"
		if reload {
			want = "yes"
		}
		if got, ok := documented[k]; !ok {
			t.Errorf("docs/config.md has no row for %s", k)
		} else if got != want {
			t.Errorf("docs/config.md says reload %q for %s, vtepd does %q", got, k, want)
		}
	}
	for k, v := range documented {
		if _, ok := policy[k]; !ok && v != "per key" {
			t.Errorf("docs/config.md documents %s (reload %q), which has no policy", k, v)
		}
	}
}

func TestRestartOnlyChanges(t *testing.T) {
	base := Default()
	base.Underlay.LocalIP = netip.MustParsePrefix("10.0.0.1/24")
	base.Underlay.Uplink = "eth0"
	base.EVPN.ASN = 65000
	base.EVPN.Neighbors = []Neighbor{{Address: netip.MustParseAddr("10.0.0.254"), ASN: 65000}}
	neighbor := func(n Neighbor) func(*Config) {
		return func(c *Config) { c.EVPN.Neighbors = []Neighbor{n} }
	}
	rr := base.EVPN.Neighbors[0]
	mutate := map[string]func(*Config){
		"evpn.asn":                   func(c *Config) { c.EVPN.ASN = 65001 },
		"evpn.router_id":             func(c *Config) { c.EVPN.RouterID = netip.MustParseAddr("1.1.1.1") },
		"evpn.listen_port":           func(c *Config) { c.EVPN.ListenPort = 1179 },
		"evpn.restart_time":          func(c *Config) { c.EVPN.RestartTime = time.Minute },
		"evpn.neighbors":             func(c *Config) { c.EVPN.Neighbors = append([]Neighbor{rr}, rr) },
		"evpn.neighbors[i].address":  neighbor(Neighbor{Address: netip.MustParseAddr("10.0.0.253"), ASN: rr.ASN}),
		"evpn.neighbors[i].asn":      neighbor(Neighbor{Address: rr.Address, ASN: 65001}),
		"evpn.neighbors[i].port":     neighbor(Neighbor{Address: rr.Address, ASN: rr.ASN, Port: 1179}),
		"evpn.neighbors[i].password": neighbor(Neighbor{Address: rr.Address, ASN: rr.ASN, Password: "s3cret"}),
		"ovsdb":                      func(c *Config) { c.OVSDB = "unix:/other/db.sock" },
		"ovs_unixctl":                func(c *Config) { c.OVSUnixctl = "/other/ovs-vswitchd.ctl" },
		"openflow.listen":            func(c *Config) { c.OpenFlow.Listen = "tcp:127.0.0.1:6653" },
		"openflow.ovs_user":          func(c *Config) { c.OpenFlow.OVSUser = "openvswitch" },
		"openflow.max_connections":   func(c *Config) { c.OpenFlow.MaxConnections = 8 },
		"openflow.max_handshakes":    func(c *Config) { c.OpenFlow.MaxHandshakes = 4 },
		"openflow.private_key":       func(c *Config) { c.OpenFlow.PrivateKey = "/etc/vtep/key.pem" },
		"openflow.certificate":       func(c *Config) { c.OpenFlow.Certificate = "/etc/vtep/cert.pem" },
		"openflow.ca_cert":           func(c *Config) { c.OpenFlow.CACert = "/etc/vtep/ca.pem" },
		"bridge":                     func(c *Config) { c.Bridge = "br-other" },
		"datapath_type":              func(c *Config) { c.DatapathType = "system" },
		"underlay.bridge":            func(c *Config) { c.Underlay.Bridge = "br-up" },
		"underlay.uplink":            func(c *Config) { c.Underlay.Uplink = "eth1" },
		"underlay.local_ip":          func(c *Config) { c.Underlay.LocalIP = netip.MustParsePrefix("10.0.0.9/24") },
		"underlay.udp_port":          func(c *Config) { c.Underlay.UDPPort = 8472 },
		"flood.mode":                 func(c *Config) { c.Flood.Mode = FloodReplication },
		"api.listen":                 func(c *Config) { c.API.Listen = "" },
		"metrics.listen":             func(c *Config) { c.Metrics.Listen = "127.0.0.1:9310" },
	}
	keys := RestartOnlyKeys()
	if len(keys) != len(mutate) {
		t.Errorf("restart-only keys %v; the test mutates %d", keys, len(mutate))
	}
	for _, k := range keys {
		f, ok := mutate[k]
		if !ok {
			t.Errorf("no mutation for restart-only key %s", k)
			continue
		}
		next := base
		f(&next)
		err := RestartOnlyChanges(&base, &next)
		if !errors.Is(err, ErrRestartOnly) || !strings.HasPrefix(err.Error(), k+": ") {
			t.Errorf("changing %s: err = %v, want a restart-only error naming it", k, err)
		}
	}
	// Reloadable keys pass.
	next := base
	next.MACAgeing = 10
	next.Networks = []Network{{VNI: 10, VLAN: 1, Group: netip.MustParseAddr("239.1.1.1")}}
	next.Flood.Peers = []netip.Addr{netip.MustParseAddr("10.0.0.2")}
	next.Underlay.MulticastGateways = []netip.Addr{netip.MustParseAddr("10.0.0.200")}
	if err := RestartOnlyChanges(&base, &next); err != nil {
		t.Errorf("reloadable changes refused: %v", err)
	}
}
