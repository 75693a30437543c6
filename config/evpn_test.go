package config

import (
	"net/netip"
	"testing"
	"time"
)

const evpnBase = `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24}
networks:
  - {vni: 10, vlan: 1}
  - {vni: 20, vlan: 2, group: 239.1.1.2}
`

func TestEVPNConfig(t *testing.T) {
	c, err := Parse([]byte(evpnBase + `
evpn:
  asn: 65000
  networks: [10]
  neighbors:
    - {address: 10.0.0.254, asn: 65000, password: s3cret}
`))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case !c.EVPN.Enabled(), !c.UsesEVPN(10), c.UsesEVPN(20):
		t.Errorf("EVPN on VNI 10 only: enabled %v, 10 %v, 20 %v", c.EVPN.Enabled(), c.UsesEVPN(10), c.UsesEVPN(20))
	case c.EVPNRouterID() != netip.MustParseAddr("10.0.0.1"):
		t.Errorf("router ID defaults to the VTEP IP, got %s", c.EVPNRouterID())
	case c.EVPN.ListenPort != DefaultBGPPort || c.EVPN.RestartTime != DefaultEVPNRestartTime:
		t.Errorf("defaults: listen %d, restart %s", c.EVPN.ListenPort, c.EVPN.RestartTime)
	}
	// An EVPN network needs no group and joins none; the other keeps its.
	if g := c.Groups(); len(g) != 1 || g[0] != netip.MustParseAddr("239.1.1.2") {
		t.Errorf("groups %v, want only VNI 20's", g)
	}
	// evpn.networks absent: every network.
	c, err = Parse([]byte(`
underlay: {uplink: eth0, local_ip: 10.0.0.1/24}
networks: [{vni: 10, vlan: 1}, {vni: 20, vlan: 2}]
evpn: {asn: 4200000001, networks: all, router_id: 1.1.1.1, restart_time: 30s, neighbors: [{address: 10.0.0.254, asn: 4200000001, port: 1179}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	if !c.UsesEVPN(10) || !c.UsesEVPN(20) || c.EVPNRouterID().String() != "1.1.1.1" || c.EVPN.RestartTime != 30*time.Second {
		t.Errorf("all networks, router ID, restart time: %+v", c.EVPN)
	}
}

// Hostile and broken evpn sections: every problem named with its key.
func TestEVPNConfigErrors(t *testing.T) {
	nb := "\n  neighbors: [{address: 10.0.0.254, asn: 65000}]"
	tests := []struct {
		name, yaml string
		want       []string
		is         error
	}{
		{"neighbours without asn", minimal + "evpn: {neighbors: [{address: 10.0.0.254, asn: 65000}]}",
			[]string{"evpn.asn: required"}, ErrRequired},
		{"no neighbour", evpnBase + "evpn: {asn: 65000}",
			[]string{"evpn.neighbors: required"}, ErrRequired},
		{"asn out of range", evpnBase + "evpn:\n  asn: 4294967296" + nb,
			[]string{"evpn.asn: 4294967296 out of range"}, ErrOutOfRange},
		{"neighbour is this VTEP", evpnBase + "evpn: {asn: 65000, neighbors: [{address: 10.0.0.1, asn: 65000}]}",
			[]string{"evpn.neighbors[0].address: 10.0.0.1 invalid: is underlay.local_ip"}, ErrInvalid},
		{"multicast neighbour", evpnBase + "evpn: {asn: 65000, neighbors: [{address: 239.1.1.1, asn: 65000}]}",
			[]string{"evpn.neighbors[0].address: 239.1.1.1 invalid"}, ErrInvalid},
		{"IPv6 neighbour", evpnBase + "evpn: {asn: 65000, neighbors: [{address: \"fe80::1\", asn: 65000}]}",
			[]string{"evpn.neighbors[0].address: fe80::1 invalid"}, ErrInvalid},
		{"duplicate neighbour", evpnBase + "evpn: {asn: 65000, neighbors: [{address: 10.0.0.254, asn: 65000}, {address: 10.0.0.254, asn: 65000}]}",
			[]string{"evpn.neighbors[1].address: 10.0.0.254 duplicate"}, ErrDuplicate},
		{"neighbour without asn", evpnBase + "evpn: {asn: 65000, neighbors: [{address: 10.0.0.254}]}",
			[]string{"evpn.neighbors[0].asn: required"}, ErrRequired},
		{"password too long", evpnBase + "evpn: {asn: 65000, neighbors: [{address: 10.0.0.254, asn: 65000, password: " +
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}]}",
			[]string{"evpn.neighbors[0].password: invalid"}, ErrInvalid},
		{"unknown network", minimal + "evpn:\n  asn: 65000\n  networks: [30]" + nb,
			[]string{"evpn.networks[0]: 30 invalid: no network has this VNI"}, ErrInvalid},
		{"restart time too long", evpnBase + "evpn:\n  asn: 65000\n  restart_time: 2h" + nb,
			[]string{"evpn.restart_time: 2h0m0s out of range"}, ErrOutOfRange},
		{"automatic RDs collide", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24}
networks: [{vni: 10, vlan: 1}, {vni: 65546, vlan: 2}]
evpn:
  asn: 65000` + nb, []string{"networks[1].rd: duplicate"}, ErrDuplicate},
		{"bad rd and route target", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24}
networks: [{vni: 10, vlan: 1, rd: "10.0.0.1:70000", route_target: "10.0.0.1:5"}]
evpn:
  asn: 65000` + nb, []string{"networks[0].rd: 10.0.0.1:70000 invalid", "networks[0].route_target: 10.0.0.1:5 invalid"}, ErrInvalid},
		{"networks neither all nor a list", minimal + "evpn:\n  asn: 65000\n  networks: some" + nb,
			[]string{"evpn.networks: some invalid: not all or a list of VNIs"}, ErrInvalid},
		{"unknown key", evpnBase + "evpn:\n  asn: 65000\n  holdtime: 9" + nb, []string{"evpn.holdtime: unknown key"}, ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.yaml))
			if err == nil {
				t.Fatalf("Parse succeeded with %+v, want errors %q", c.EVPN, tt.want)
			}
			checkFieldErrors(t, err, tt.want, tt.is)
		})
	}
}

func TestRDAndRTFormats(t *testing.T) {
	for s, ok := range map[string]bool{"10.0.0.1:10": true, "65000:10": true, "65000:4294967295": true, "4200000000:10": true,
		"4200000000:70000": false, "10.0.0.1:70000": false, "x:1": false, "10": false, ":5": false, "65000:-1": false} {
		if validRD(s) != ok {
			t.Errorf("validRD(%q) = %v, want %v", s, !ok, ok)
		}
	}
	if validRT("10.0.0.1:10") || !validRT("65000:10") {
		t.Error("route targets are ASN:N only")
	}
}
