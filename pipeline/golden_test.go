package pipeline

import (
	"bytes"
	"flag"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// goldenStates are the states whose flows are kept in testdata.
func goldenStates(t testing.TB) map[string]State {
	return map[string]State{
		// The ARP walk-through's VTEP (labs/figure4.yaml): one VM per VTEP in VNI 10 (here on access VLAN 1),
		// BUM traffic to 239.1.1.1.
		"seed_vni10": testState(testConfig(t, multicast, vniNet(10, 1, "239.1.1.1")),
			Port{Name: "vm1", OFPort: vm1, Tag: 1}),
		// Two VNIs sharing a group, a third with its own: one join per group.
		"shared_group": testState(testConfig(t, multicast,
			vniNet(10, 1, "239.1.1.1"), vniNet(20, 2, "239.1.1.1"), vniNet(30, 3, "239.1.1.2")),
			Port{Name: "vm1", OFPort: vm1, Tag: 1}, Port{Name: "vm2", OFPort: vm2, Tag: 2}, Port{Name: "vm3", OFPort: vm3, Tag: 1}),
		// A trunk carrying VLANs 1 and 5 (mapped) and 99 (not mapped), an
		// access port, and a port with tag and trunks (access, trunks ignored).
		"vlan_trunk": testState(testConfig(t, multicast, vniNet(10, 5, "239.1.1.1"), vniNet(20, 1, "239.1.1.2")),
			Port{Name: "trunk", OFPort: vm1, Trunks: []uint16{99, 5, 1}},
			Port{Name: "access", OFPort: vm2, Tag: 5},
			Port{Name: "both", OFPort: vm3, Tag: 1, Trunks: []uint16{5}}),
		// Head-end replication to two peers.
		"replication": testState(testConfig(t, replication, vniNet(10, 1, ""), vniNet(20, 2, "")),
			Port{Name: "vm1", OFPort: vm1, Tag: 1}, Port{Name: "vm2", OFPort: vm2, Trunks: []uint16{1, 2}}),
		// Tunnel frames only from the trusted VTEPs 10.0.0.0/29 and 10.0.1.7.
		"trusted_vteps": testState(trusted(testConfig(t, multicast, vniNet(10, 1, "239.1.1.1")), "10.0.0.0/29", "10.0.1.7/32"),
			Port{Name: "vm1", OFPort: vm1, Tag: 1}),
		// Port security: vm1 (access) allows macA, vm2 (trunk of both
		// VLANs) macB and macC, vm3 is not secured.
		"port_security": testState(testConfig(t, multicast, vniNet(10, 1, "239.1.1.1"), vniNet(20, 2, "239.1.1.1")),
			Port{Name: "vm1", OFPort: vm1, Tag: 1, Secured: true, AllowedMACs: []net.HardwareAddr{macA}},
			Port{Name: "vm2", OFPort: vm2, Trunks: []uint16{1, 2}, Secured: true, AllowedMACs: []net.HardwareAddr{macC, macB}},
			Port{Name: "vm3", OFPort: vm3, Tag: 1}),
		// MAC limits: VNI 10 at most 100 MACs, VNI 20 unlimited but 10 per
		// port; vm1 is secured.
		"mac_limits": testState(maxPerPort(testConfig(t, multicast, limited(vniNet(10, 1, "239.1.1.1"), 100), vniNet(20, 2, "239.1.1.1")), 10),
			Port{Name: "vm1", OFPort: vm1, Tag: 1, Secured: true, AllowedMACs: []net.HardwareAddr{macA}},
			Port{Name: "vm2", OFPort: vm2, Trunks: []uint16{1, 2}}),
		// Destination-subnet classification of an untagged port.
		"subnets": testState(testConfig(t, multicast,
			vniNet(10, 0, "239.1.1.1", "192.168.10.0/24", "172.16.0.0/16"), vniNet(20, 2, "239.1.1.1", "192.168.20.0/24")),
			Port{Name: "plain", OFPort: vm1}, Port{Name: "access", OFPort: vm2, Tag: 2}),
		// ARP suppression: VNI 10 learns bindings (at most 100, its
		// max_macs; vm3 is secured: macA with 192.168.10.3, a static
		// binding), VNI 20 answers from its static neighbours only; vm2 is
		// a trunk of both.
		"arp_suppression": testState(testConfig(t, multicast,
			suppress(limited(vniNet(10, 1, "239.1.1.1"), 100), NeighLearned), suppress(vniNet(20, 2, "239.1.1.1"), NeighStatic, "192.168.20.7="+macB.String(), "2001:db8::20="+macC.String())),
			Port{Name: "vm1", OFPort: vm1, Tag: 1},
			Port{Name: "vm2", OFPort: vm2, Trunks: []uint16{1, 2}},
			Port{Name: "vm3", OFPort: vm3, Tag: 1, Secured: true, AllowedMACs: []net.HardwareAddr{macA}, AllowedIPs: []netip.Addr{netip.MustParseAddr("192.168.10.3")}}),
		// The underlay's MTU known (1500): frames to remote VTEPs longer
		// than 1464 bytes (1450 of IP) are dropped, counted.
		"mtu_guard": withUnderlayMTU(testState(testConfig(t, multicast, vniNet(10, 1, "239.1.1.1")),
			Port{Name: "vm1", OFPort: vm1, Tag: 1, MTU: 1500}), 1500),
	}
}

func render(r Result) string {
	var b strings.Builder
	b.WriteString("# overlay\n")
	for _, f := range r.Overlay {
		b.WriteString(f.String() + "\n")
	}
	b.WriteString("# groups\n")
	for _, g := range r.Groups {
		b.WriteString(g.String() + "\n")
	}
	b.WriteString("# underlay\n")
	for _, f := range r.Underlay {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	for name, s := range goldenStates(t) {
		t.Run(name, func(t *testing.T) {
			got := render(mustBuild(t, s))
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./pipeline -run TestGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("flows differ from %s (rerun with -update if the change is meant):\n--- got\n%s--- want\n%s", path, got, want)
			}
		})
	}
}

// TestOvsOfctlAcceptsFlows hands every golden flow to ovs-ofctl's
// parser, the authority on the syntax. No switch is needed.
func TestOvsOfctlAcceptsFlows(t *testing.T) {
	ofctl, err := exec.LookPath("ovs-ofctl")
	if err != nil {
		if os.Getenv("VTEP_REQUIRE_INTEGRATION") == "1" {
			t.Fatalf("ovs-ofctl not found: %v", err)
		}
		t.Skip("ovs-ofctl not installed")
	}
	var flows bytes.Buffer
	for _, s := range goldenStates(t) {
		r := mustBuild(t, s)
		for _, f := range append(r.Overlay, r.Underlay...) {
			flows.WriteString(f.String() + "\n")
		}
	}
	file := filepath.Join(t.TempDir(), "flows")
	if err := os.WriteFile(file, flows.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ofctl, "-O", "OpenFlow13", "parse-flows", file).CombinedOutput()
	if err != nil {
		t.Fatalf("ovs-ofctl parse-flows: %v\n%s", err, out)
	}
	want := strings.Count(flows.String(), "\n")
	if n := strings.Count(string(out), "OFPT_FLOW_MOD"); n != want {
		t.Errorf("ovs-ofctl parsed %d flows, want %d:\n%s", n, want, out)
	}
}
