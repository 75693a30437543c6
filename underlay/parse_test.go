package underlay

import (
	"net"
	"testing"
)

func TestGroupMAC(t *testing.T) {
	tests := []struct{ group, want string }{
		{"239.1.1.1", "01:00:5e:01:01:01"},
		{"239.129.2.3", "01:00:5e:01:02:03"}, // the 24th bit is dropped
		{"224.0.1.255", "01:00:5e:00:01:ff"},
		{"239.255.255.250", "01:00:5e:7f:ff:fa"},
		{"238.129.2.3", "01:00:5e:01:02:03"},
	}
	for _, tt := range tests {
		if got := GroupMAC(net.ParseIP(tt.group)).String(); got != tt.want {
			t.Errorf("GroupMAC(%s) = %s, want %s", tt.group, got, tt.want)
		}
	}
}

func TestParseShowOutput(t *testing.T) {
	routes := "Route Table:\nCached: 10.0.0.0/24 dev br-phy SRC 10.0.0.1\nUser: 239.1.1.1/32 dev br-phy GW 10.0.0.254 SRC 10.0.0.1\n"
	r := GroupRoute{Group: net.ParseIP("239.1.1.1"), Bridge: "br-phy", Gateway: net.ParseIP("10.0.0.254")}
	if !hasRoute(routes, r) {
		t.Errorf("hasRoute missed the route")
	}
	r.Gateway = net.ParseIP("10.0.0.253")
	if hasRoute(routes, r) {
		t.Errorf("hasRoute matched another gateway")
	}
	neigh := "IP                                            MAC                 Bridge\n==========================================================================\n10.0.0.254                                    01:00:5e:01:01:01   br-phy\n"
	if !hasNeigh(neigh, net.ParseIP("10.0.0.254"), "01:00:5e:01:01:01", "br-phy") {
		t.Errorf("hasNeigh missed the entry")
	}
	if hasNeigh(neigh, net.ParseIP("10.0.0.254"), "01:00:5e:01:01:02", "br-phy") {
		t.Errorf("hasNeigh matched another MAC")
	}
}

func TestGroupRoutes(t *testing.T) {
	show := `Route Table:
Cached: 10.0.0.1/32 dev br-phy SRC 10.0.0.1 local
Cached: 10.0.0.0/24 dev br-phy SRC 10.0.0.1
User: 10.0.0.1/32 dev br-phy SRC 10.0.0.1
User: 239.1.1.1/32 dev br-phy GW 10.0.0.254 SRC 10.0.0.1
User: 239.1.1.2/32 dev br-other GW 10.0.0.253 SRC 10.0.0.1
User: 10.9.9.0/24 dev br-phy GW 10.0.0.9 SRC 10.0.0.1
User: 239.1.1.3/32 dev br-phy GW 10.0.0.252 SRC 10.0.0.1
Cached: 239.1.1.4/32 dev br-phy GW 10.0.0.251 SRC 10.0.0.1
User: garbage
User: 300.1.1.1/32 dev br-phy GW 10.0.0.250
`
	routes := ParseRoutes(show)
	if len(routes) != 9 {
		t.Fatalf("ParseRoutes: %d routes, want 9: %+v", len(routes), routes)
	}
	var got []string
	for _, g := range GroupRoutes(routes, "br-phy") {
		got = append(got, g.String())
	}
	// only user routes with a gateway to a multicast /32 on br-phy
	want := []string{"239.1.1.1", "239.1.1.3"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("GroupRoutes = %v, want %v", got, want)
	}
}

func TestListensOn(t *testing.T) {
	show := `Listening ports:
vxlan_sys_4789 (3) : eth(dst=1e:5e:a0:99:3a:42),eth_type(0x0800),ipv4(dst=10.0.0.1,proto=17,frag=no),udp(dst=4789)
vxlan_sys_4789 (3) : eth(dst=1e:5e:a0:99:3a:42),eth_type(0x86dd),ipv6(dst=fe80::1c5e:a0ff:fe99:3a42,proto=17,frag=no),udp(dst=4789)
`
	tests := []struct {
		show string
		ip   string
		port uint16
		want bool
	}{
		{show, "10.0.0.1", 4789, true},
		{show, "10.0.0.10", 4789, false}, // a prefix of another address is no match
		{show, "10.0.0.2", 4789, false},
		{show, "10.0.0.1", 4790, false},
		{"Listening ports:\n", "10.0.0.1", 4789, false},
		{"", "10.0.0.1", 4789, false},
	}
	for _, tt := range tests {
		if got := ListensOn(tt.show, net.ParseIP(tt.ip), tt.port); got != tt.want {
			t.Errorf("ListensOn(%q, %s, %d) = %v, want %v", tt.show, tt.ip, tt.port, got, tt.want)
		}
	}
}
