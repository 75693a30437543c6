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
	if !routeFor(routes, r.Group) || routeFor(routes, net.ParseIP("239.1.1.2")) {
		t.Errorf("routeFor wrong")
	}
	neigh := "IP                                            MAC                 Bridge\n==========================================================================\n10.0.0.254                                    01:00:5e:01:01:01   br-phy\n"
	if !hasNeigh(neigh, net.ParseIP("10.0.0.254"), "01:00:5e:01:01:01", "br-phy") {
		t.Errorf("hasNeigh missed the entry")
	}
	if hasNeigh(neigh, net.ParseIP("10.0.0.254"), "01:00:5e:01:01:02", "br-phy") {
		t.Errorf("hasNeigh matched another MAC")
	}
}
