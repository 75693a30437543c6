package config

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestMulticastGateways(t *testing.T) {
	addrs := func(ss ...string) []netip.Addr {
		var out []netip.Addr
		for _, s := range ss {
			out = append(out, netip.MustParseAddr(s))
		}
		return out
	}
	nets := func(groups ...string) []Network {
		var out []Network
		for i, g := range groups {
			out = append(out, Network{VNI: uint32(10 + i), VLAN: uint16(1 + i), Group: netip.MustParseAddr(g)})
		}
		return out
	}
	tests := []struct {
		name    string
		local   string
		peers   []netip.Addr
		list    []netip.Addr
		nets    []Network
		want    []netip.Addr // gateway per group in ascending group order
		wantErr string
	}{
		{name: "one group", local: "10.0.0.1/24", nets: nets("239.1.1.1"), want: addrs("10.0.0.254")},
		{name: "groups sorted, shared group counted once", local: "10.0.0.1/24",
			nets: nets("239.1.1.2", "239.1.1.1", "239.1.1.2"), want: addrs("10.0.0.254", "10.0.0.253")},
		{name: "skips local ip", local: "10.0.0.254/24", nets: nets("239.1.1.1", "239.1.1.2"), want: addrs("10.0.0.253", "10.0.0.252")},
		{name: "skips peers", local: "10.0.0.1/24", peers: addrs("10.0.0.254", "10.0.0.252"),
			nets: nets("239.1.1.1", "239.1.1.2"), want: addrs("10.0.0.253", "10.0.0.251")},
		{name: "/30 has one spare host", local: "10.0.0.1/30", nets: nets("239.1.1.1"), want: addrs("10.0.0.2")},
		{name: "/30 too small for two", local: "10.0.0.1/30", nets: nets("239.1.1.1", "239.1.1.2"),
			wantErr: "underlay.local_ip: 10.0.0.1/30 invalid: subnet 10.0.0.0/30 has room for 1 multicast gateways, 2 groups need one each"},
		{name: "/31 too small", local: "10.0.0.0/31", nets: nets("239.1.1.1"), wantErr: "has room for 0 multicast gateways"},
		{name: "/32 too small", local: "10.0.0.1/32", nets: nets("239.1.1.1"), wantErr: "has room for 0 multicast gateways"},
		{name: "explicit list in group order", local: "10.0.0.1/24", list: addrs("10.0.0.20", "10.0.0.21"),
			nets: nets("239.1.1.9", "239.1.1.1"), want: addrs("10.0.0.20", "10.0.0.21")},
		{name: "no groups", local: "10.0.0.1/24"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.Underlay.LocalIP = netip.MustParsePrefix(tt.local)
			c.Underlay.MulticastGateways = tt.list
			c.Flood.Peers = tt.peers
			c.Networks = tt.nets
			got, err := c.MulticastGateways()
			if tt.wantErr != "" {
				var fe *FieldError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &fe) {
					t.Fatalf("MulticastGateways() error = %v, want a *FieldError containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			groups := c.Groups()
			if len(got) != len(tt.want) || len(got) != len(groups) {
				t.Fatalf("MulticastGateways() = %v, want gateways %v for groups %v", got, tt.want, groups)
			}
			for i := range got {
				if got[i].Group != groups[i] || got[i].Gateway != tt.want[i] {
					t.Errorf("[%d] = %v, want group %v via %v", i, got[i], groups[i], tt.want[i])
				}
			}
		})
	}
}
