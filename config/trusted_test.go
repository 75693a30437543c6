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

// TestParseErrorsSecurityKeys gives hostile values to trusted_vteps and the
// MAC limits: each error names the key and the value.
func TestParseErrorsSecurityKeys(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
		is   error
	}{
		{"trusted vteps", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24, trusted_vteps: [10.0.0.2, 10.0.0.7/24, 10.0.1.0/24, 10.0.1.9, 239.1.1.1, "2001:db8::1"]}
networks: [{vni: 10, vlan: 1, group: 239.1.1.1}]`,
			[]string{"underlay.trusted_vteps[1]: 10.0.0.7/24 invalid: has host bits set (did you mean 10.0.0.0/24?)",
				"underlay.trusted_vteps[3]: 10.0.1.9/32 duplicate: overlaps underlay.trusted_vteps[2] (10.0.1.0/24)",
				"underlay.trusted_vteps[4]: 239.1.1.1/32 invalid: VTEPs send from unicast addresses",
				"underlay.trusted_vteps[5]: 2001:db8::1/128 invalid: want an IPv4 address or prefix"}, ErrInvalid},
		{"mac limits out of range", minimal + "max_macs: -1\nmax_macs_per_port: 1000001\n",
			[]string{"max_macs: -1 out of range 0..1000000", "max_macs_per_port: 1000001 out of range 0..1000000"}, ErrOutOfRange},
		{"network mac limit not a number", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24}
networks: [{vni: 10, vlan: 1, group: 239.1.1.1, max_macs: lots}]`,
			[]string{"networks[0].max_macs: lots invalid: not a number"}, ErrInvalid},
		{"trusted vteps unreadable", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24, trusted_vteps: [10.0.0.300, 10.0.2.0/33, vtep1]}
networks: [{vni: 10, vlan: 1, group: 239.1.1.1}]`,
			[]string{"underlay.trusted_vteps[0]: 10.0.0.300 invalid: not an IPv4 address or prefix (e.g. 10.0.0.2 or 10.0.8.0/24)",
				"underlay.trusted_vteps[1]: 10.0.2.0/33 invalid: not an IPv4 address or prefix",
				"underlay.trusted_vteps[2]: vtep1 invalid: not an IPv4 address or prefix"}, ErrInvalid},
		{"trusted vteps not a list", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24, trusted_vteps: 10.0.0.2}
networks: [{vni: 10, vlan: 1, group: 239.1.1.1}]`,
			[]string{"underlay.trusted_vteps: invalid: want a list"}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			checkFieldErrors(t, err, tt.want, tt.is)
		})
	}
}
