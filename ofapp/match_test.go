package ofapp

import (
	"net"
	"testing"
)

func TestMatchEthSrcMasked(t *testing.T) {
	zero := net.HardwareAddr{0, 0, 0, 0, 0, 0}
	group := net.HardwareAddr{1, 0, 0, 0, 0, 0}
	tests := []struct {
		name string
		f    MatchField
		want string
	}{
		{"unicast sources", MatchEthSrcMasked(zero, group), "dl_src=00:00:00:00:00:00/01:00:00:00:00:00"},
		{"multicast sources", MatchEthSrcMasked(group, group), "dl_src=01:00:00:00:00:00/01:00:00:00:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.String(); got != tt.want {
				t.Errorf("String() = %s, want %s", got, tt.want)
			}
			if tt.f.Equal(MatchEthSrc(tt.f.Value)) {
				t.Errorf("masked match equals the exact one")
			}
		})
	}
	// The constructor copies its arguments.
	mac := net.HardwareAddr{0, 0, 0, 0, 0, 0}
	f := MatchEthSrcMasked(mac, group)
	mac[0] = 0xff
	if f.Value[0] != 0 {
		t.Errorf("MatchEthSrcMasked kept a reference to its argument")
	}
}

func TestMatchVLANStrings(t *testing.T) {
	tests := []struct {
		f    MatchField
		want string
	}{
		{MatchVLANVID(5), "vlan_tci=0x1005/0x1fff"},
		{MatchNoVLAN(), "vlan_tci=0x0000/0x1fff"},
		{MatchVLANPresent(), "vlan_tci=0x1000/0x1000"},
		{MatchTunnelIPv4SrcPrefix(&net.IPNet{IP: net.IPv4(10, 0, 8, 0), Mask: net.CIDRMask(24, 32)}), "tun_src=10.0.8.0/24"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("String() = %s, want %s", got, tt.want)
		}
	}
}

// TestMatchUDPPorts: both UDP ports print as their ovs-ofctl fields, in
// decimal; a match on both is a DHCP client's request (68 -> 67).
func TestMatchUDPPorts(t *testing.T) {
	m := Match{MatchEthType(0x0800), MatchIPProto(17), MatchUDPDst(67), MatchUDPSrc(68)}
	if got, want := m.String(), "dl_type=0x0800,nw_proto=17,udp_src=68,udp_dst=67"; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
	if got := MatchUDPSrc(68).Name(); got != "udp_src" {
		t.Errorf("Name() = %s, want udp_src", got)
	}
}
