package labs_test

import (
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vtep/vtep/labs"
)

// TestEVPNLabFileErrors breaks labs/evpn.yaml's new keys one at a time:
// each error names the line and the key.
func TestEVPNLabFileErrors(t *testing.T) {
	good, err := os.ReadFile("evpn.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rrNeighbors := "        - {address: 10.0.0.1, asn: 65000}\n"
	tests := []struct{ name, from, to, want string }{
		{"unknown router key", "    ip: 10.0.0.254/24", "    ip: 10.0.0.254/24\n    bgp: {}", "line 32: field bgp not found"},
		{"router ip taken", "    ip: 10.0.0.254/24", "    ip: 10.0.0.3/24", "line 31: routers[0].ip: address 10.0.0.3 is already used by physical_vteps[0].vtep_ip"},
		{"router name taken", "  - name: rr", "  - name: hv1", `line 30: routers[0].name: node name "hv1" is already used`},
		{"no asn", "      asn: 65000\n      route_reflector", "      route_reflector", "routers[0].evpn.asn: required"},
		{"asn too big", "      asn: 65000\n      route_reflector", "      asn: 4294967296\n      route_reflector", "line 33: cannot unmarshal"},
		{"bad neighbour", rrNeighbors, "        - {address: 10.0.0.300, asn: 65000}\n", `line 36: routers[0].evpn.neighbors[0].address: "10.0.0.300" is not an IPv4 address`},
		{"own address", rrNeighbors, "        - {address: 10.0.0.254, asn: 65000}\n", "routers[0].evpn.neighbors[0].address: 10.0.0.254 is the node's own address"},
		{"neighbour twice", rrNeighbors, rrNeighbors + rrNeighbors, "routers[0].evpn.neighbors[1].address: 10.0.0.1 appears twice"},
		{"ebgp client", rrNeighbors, "        - {address: 10.0.0.1, asn: 65001}\n", "routers[0].evpn.neighbors[0].asn: 65001 differs from the route reflector's asn 65000"},
		{"password with space", rrNeighbors, "        - {address: 10.0.0.1, asn: 65000, password: \"a b\"}\n", "routers[0].evpn.neighbors[0].password: letters, digits"},
		{"password too long", rrNeighbors, "        - {address: 10.0.0.1, asn: 65000, password: " + strings.Repeat("x", 81) + "}\n", "password: 81 characters, at most 80"},
		{"no neighbours", rrNeighbors + "        - {address: 10.0.0.2, asn: 65000}\n        - {address: 10.0.0.3, asn: 65000}\n", "        []\n", "routers[0].evpn.neighbors: at least one neighbour is required"},
		{"bad router id", "      route_reflector: true", "      route_reflector: true\n      router_id: rr", `routers[0].evpn.router_id: "rr" is not an IPv4 address`},
		{"evpn vtep without host", "{vni: 10, host: c, mac", "{vni: 10, mac", "physical_vteps[0].networks[0].host: required with evpn"},
		{"evpn vtep with group", "{vni: 10, host: c, mac", "{vni: 10, host: c, group: 239.1.1.1, mac", "physical_vteps[0].networks[0].group: an EVPN VTEP floods to the VTEPs of its type-3 routes"},
		{"host name taken", "{vni: 10, host: c, mac", "{vni: 10, host: a, mac", `vms[0].name: node name "a" is already used by physical_vteps[0].networks[0].host`},
		{"hypervisor evpn no asn", "    evpn: {asn: 65000, neighbors: [{address: 10.0.0.254, asn: 65000}]}\n  - name: hv2", "    evpn: {neighbors: [{address: 10.0.0.254, asn: 65000}]}\n  - name: hv2", "line 16: hypervisors[0].evpn.asn: required"},
		{"hypervisor evpn unknown vni", "    evpn: {asn: 65000, neighbors", "    evpn: {asn: 65000, networks: [10, 20], neighbors", `hypervisors[0].evpn.networks[1]: VNI 20 is not a network of hypervisor "hv1"`},
		{"hypervisor evpn empty networks", "    evpn: {asn: 65000, neighbors", "    evpn: {asn: 65000, networks: [], neighbors", "an empty list names no VNI"},
		{"hypervisor evpn networks word", "    evpn: {asn: 65000, neighbors", "    evpn: {asn: 65000, networks: some, neighbors", `want "all" or a list of VNIs`},
		{"hypervisor evpn unknown key", "    evpn: {asn: 65000, neighbors", "    evpn: {asn: 65000, rr: true, neighbors", "field rr not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Replace(string(good), tt.from, tt.to, 1)
			if data == string(good) {
				t.Fatalf("test edit %q not found in evpn.yaml", tt.from)
			}
			_, err := labs.ParseFile([]byte(data))
			if err == nil {
				t.Fatal("ParseFile accepted the file")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
		})
	}
}

// TestEVPNHostOnlyWithEVPN: a kernel VTEP without evpn has its address on
// the VXLAN device; a host key there is an error, and so is a missing group.
func TestEVPNHostOnlyWithEVPN(t *testing.T) {
	good, err := os.ReadFile("figure2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data := strings.Replace(string(good), "{vni: 1000, group: 239.1.1.1,", "{vni: 1000, host: h1,", 1)
	_, err = labs.ParseFile([]byte(data))
	for _, want := range []string{"physical_vteps[0].networks[0].host: only a VTEP with evpn", `physical_vteps[0].networks[0].group: "" is not an IPv4 multicast address`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

// TestVtepdEVPNSection checks the evpn section a hypervisor's vtepd
// configuration gets: present only with the hypervisor's evpn key, the
// keys of vtepd's schema, valid YAML.
func TestVtepdEVPNSection(t *testing.T) {
	f, err := labs.LoadFile("evpn.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h := f.Hypervisors[0]
	h.EVPN.RouterID = "10.0.0.101"
	h.EVPN.Networks = labs.EVPNNetworks{10}
	h.EVPN.Neighbors = append(h.EVPN.Neighbors, labs.EVPNNeighbor{Address: "10.0.0.9", ASN: 65009, Password: "s3cr=t"})
	text := string(f.VtepdConfig(h, "/tmp/x"))
	want := "evpn:\n  asn: 65000\n  router_id: 10.0.0.101\n  networks: [10]\n  neighbors:\n" +
		"    - {address: 10.0.0.254, asn: 65000}\n    - {address: 10.0.0.9, asn: 65009, password: \"s3cr=t\"}\n"
	if !strings.HasSuffix(text, want) {
		t.Errorf("vtepd.yaml of hv1 ends\n%s\nwant the suffix\n%s", text, want)
	}
	var doc struct {
		EVPN struct {
			ASN       uint32 `yaml:"asn"`
			RouterID  string `yaml:"router_id"`
			Networks  []int  `yaml:"networks"`
			Neighbors []struct {
				Address, Password string
				ASN               uint32
			} `yaml:"neighbors"`
		} `yaml:"evpn"`
	}
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("vtepd.yaml is not YAML: %v", err)
	}
	if doc.EVPN.ASN != 65000 || len(doc.EVPN.Neighbors) != 2 || doc.EVPN.Neighbors[1].Password != "s3cr=t" || doc.EVPN.Neighbors[1].ASN != 65009 {
		t.Errorf("decoded evpn section: %+v", doc.EVPN)
	}
	// Defaults (all networks, the VTEP IP as router ID): no key.
	def := string(f.VtepdConfig(f.Hypervisors[1], "/tmp/x"))
	if !strings.Contains(def, "evpn:\n  asn: 65000\n  neighbors:\n") || strings.Contains(def, "router_id") || strings.Contains(def, "networks: all") {
		t.Errorf("vtepd.yaml of hv2:\n%s", def)
	}
	// Without the key, no section.
	h.EVPN = nil
	if text := string(f.VtepdConfig(h, "/tmp/x")); strings.Contains(text, "\nevpn:") {
		t.Errorf("vtepd.yaml without evpn has a section:\n%s", text)
	}
}
