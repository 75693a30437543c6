package labs_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vtep/vtep/labs"
)

// TestRoutedLabFileErrors breaks labs/leafspine.yaml's routed-underlay
// keys one at a time: each error names the line and the key.
func TestRoutedLabFileErrors(t *testing.T) {
	good, err := os.ReadFile("leafspine.yaml")
	if err != nil {
		t.Fatal(err)
	}
	leaf1 := "    interfaces: [{switch: rack1, ip: 10.0.1.1/24}, {switch: ls1, ip: 10.1.1.1/30}]"
	tests := []struct{ name, from, to, want string }{
		{"unknown switch of a hypervisor", "    switch: rack1\n    gateway: 10.0.1.1\n", "    switch: rack9\n    gateway: 10.0.1.1\n", `hypervisors[0].switch: "rack9" is not a switch of this lab`},
		{"gateway outside the subnet", "    gateway: 10.0.1.1\n", "    gateway: 10.0.2.1\n", "hypervisors[0].gateway: 10.0.2.1 is outside the VTEP subnet 10.0.1.0/24"},
		{"gateway not an address", "    gateway: 10.0.1.1\n", "    gateway: leaf1\n", `hypervisors[0].gateway: "leaf1" is not an IPv4 address`},
		{"switch name taken", "  - {name: rack2}", "  - {name: hv1}", `node name "hv1" is already used`},
		{"router on unknown switch", leaf1, "    interfaces: [{switch: rack9, ip: 10.0.1.1/24}, {switch: ls1, ip: 10.1.1.1/30}]", `routers[0].interfaces[0].switch: "rack9" is not a switch`},
		{"router twice on a switch", leaf1, "    interfaces: [{switch: rack1, ip: 10.0.1.1/24}, {switch: rack1, ip: 10.0.1.2/24}]", `routers[0].interfaces[1].switch: "rack1" appears twice`},
		{"router interface address taken", leaf1, "    interfaces: [{switch: rack1, ip: 10.0.1.11/24}, {switch: ls1, ip: 10.1.1.1/30}]", "routers[0].interfaces[0].ip: address 10.0.1.11 is already used by hypervisors[0].vtep_ip"},
		{"router without interfaces", leaf1 + "\n", "", "routers[0].interfaces: a router needs ip or interfaces"},
		{"bad route", "{to: 10.0.2.0/24, via: 10.1.1.2}, {to: 10.1.2.0/30", "{to: 10.0.2.0, via: 10.1.1.2}, {to: 10.1.2.0/30", `routers[0].routes[0].to: "10.0.2.0" is not a prefix`},
		{"bad via", "{to: 10.0.2.0/24, via: 10.1.1.2}, {to: 10.1.2.0/30", "{to: 10.0.2.0/24, via: spine}, {to: 10.1.2.0/30", `routers[0].routes[0].via: "spine" is not an IPv4 address`},
		{"bad rp", "    pim: {rp: 10.255.0.1}\n  - name: leaf2", "    pim: {rp: 10.255.0}\n  - name: leaf2", `routers[0].pim.rp: "10.255.0" is not an IPv4 address`},
		{"bad loopback", "    loopback: 10.255.0.1/32", "    loopback: 10.255.0.1", `routers[2].loopback: "10.255.0.1" is not an address with a prefix`},
		{"unknown pim key", "    pim: {rp: 10.255.0.1}\n  - name: leaf2", "    pim: {rp: 10.255.0.1, ssm: true}\n  - name: leaf2", "field ssm not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Replace(string(good), tt.from, tt.to, 1)
			if data == string(good) {
				t.Fatalf("test edit %q not found in leafspine.yaml", tt.from)
			}
			_, err := labs.ParseFile([]byte(data))
			if err == nil {
				t.Fatal("ParseFile accepted the file")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "line ") {
				t.Errorf("error %q lacks %q or a line", err, tt.want)
			}
		})
	}
}
