package config

import (
	"net/netip"
	"reflect"
	"testing"
)

func TestTrustedVTEPs(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		restrict bool
		want     []netip.Prefix
	}{
		{"multicast default: open", minimal, false, []netip.Prefix{}},
		{"multicast with trusted", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24, trusted_vteps: [10.0.0.0/24, 10.9.0.7]}
networks: [{vni: 10, vlan: 1, group: 239.1.1.1}]`, true,
			[]netip.Prefix{netip.MustParsePrefix("10.0.0.0/24"), netip.MustParsePrefix("10.9.0.7/32")}},
		{"replication: peers trusted", `
underlay: {local_ip: 10.0.0.1/24}
flood: {mode: replication, peers: [10.0.0.2, 10.0.0.3]}
networks: [{vni: 10, vlan: 1}]`, true,
			[]netip.Prefix{netip.MustParsePrefix("10.0.0.2/32"), netip.MustParsePrefix("10.0.0.3/32")}},
		{"replication: peers inside a trusted prefix not repeated", `
underlay: {local_ip: 10.0.0.1/24, trusted_vteps: [10.0.0.0/30]}
flood: {mode: replication, peers: [10.0.0.2, 10.0.0.5]}
networks: [{vni: 10, vlan: 1}]`, true,
			[]netip.Prefix{netip.MustParsePrefix("10.0.0.0/30"), netip.MustParsePrefix("10.0.0.5/32")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.RestrictVTEPs(); got != tt.restrict {
				t.Errorf("RestrictVTEPs() = %v, want %v", got, tt.restrict)
			}
			if got := c.TrustedVTEPs(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("TrustedVTEPs() = %v, want %v", got, tt.want)
			}
		})
	}
}
