package test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// labFile writes a test's own lab file and returns its path.
func labFile(t testing.TB, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "lab.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// vlanLab maps VNI 10 to a different VLAN on each hypervisor: VLAN 1 on
// hv1, 5 on hv2, 9 on hv3. x sits on hv1's VLAN 1 trunk; the test makes it
// send on VLAN 7, which no hypervisor maps.
const vlanLab = `
prefix: vlan
description: VLAN translation, VNI 10 on VLANs 1, 5 and 9
underlay: {igmp_snooping: false}
vtep:
  flood: multicast
  networks: [{vni: 10, vlan: 1, group: 239.1.1.1}]
hypervisors:
  - {name: hv1, vtep_ip: 10.0.0.1/24}
  - {name: hv2, vtep_ip: 10.0.0.2/24, networks: [{vni: 10, vlan: 5, group: 239.1.1.1}]}
  - {name: hv3, vtep_ip: 10.0.0.3/24, networks: [{vni: 10, vlan: 9, group: 239.1.1.1}]}
vms:
  - {name: a, hypervisor: hv1, mac: "02:00:00:00:00:0a", ip: 192.168.10.1/24, vlan: 1, tagged: true}
  - {name: b, hypervisor: hv2, mac: "02:00:00:00:00:0b", ip: 192.168.10.2/24, vlan: 5, tagged: true}
  - {name: c, hypervisor: hv3, mac: "02:00:00:00:00:0c", ip: 192.168.10.3/24, vlan: 9}
  - {name: x, hypervisor: hv1, mac: "02:00:00:00:00:0e", ip: 192.168.10.9/24, vlan: 1, tagged: true}
`

// TestVLANTranslation: VLANs 1 (trunk), 5 (trunk) and 9 (access) on three
// VTEPs all carry VNI 10 and talk; each VM sees its own VLAN. A frame on a
// VLAN no VTEP maps is dropped at the first VTEP and counted.
func TestVLANTranslation(t *testing.T) {
	r := upLab(t, labFile(t, vlanLab), nil)
	ca := capture(t, r, "a", "eth0", "")
	cb := capture(t, r, "b", "eth0", "")
	mustPing(t, r, "a", "192.168.10.2", 3)
	mustPing(t, r, "b", "192.168.10.3", 3)
	mustPing(t, r, "c", "192.168.10.1", 3)
	la, lb := ca.Stop(), cb.Stop()
	// A (VLAN 1) and B (VLAN 5) see each other's frames tagged with their own VLAN.
	checkCount(t, "B's replies at A, VLAN 1", la, 3, "02:00:00:00:00:0b > 02:00:00:00:00:0a", "vlan 1,", "192.168.10.2 > 192.168.10.1: ICMP echo reply")
	checkCount(t, "A's requests at B, VLAN 5", lb, 3, "02:00:00:00:00:0a > 02:00:00:00:00:0b", "vlan 5,", "192.168.10.1 > 192.168.10.2: ICMP echo request")
	checkCount(t, "C's requests at A, VLAN 1", la, 3, "02:00:00:00:00:0c > 02:00:00:00:00:0a", "vlan 1,", "ICMP echo request")
	checkCount(t, "frames at A on another VLAN", la, 0, "vlan 5,")
	checkCount(t, "frames at A on another VLAN", la, 0, "vlan 9,")
	checkCount(t, "frames at B on another VLAN", lb, 0, "vlan 1,")

	// x now sends on VLAN 7, which maps to nothing.
	ctx := ctxT(t, 30*time.Second)
	if err := labs.RemoveVLANTagger(ctx, r.Netns("x"), "eth0"); err != nil {
		t.Fatal(err)
	}
	if err := labs.AddVLANTagger(ctx, r.Netns("x"), "eth0", 7); err != nil {
		t.Fatal(err)
	}
	drops := func() uint64 { return unknownVLANDrops(t, r, "hv1") }
	before := drops()
	cx := capture(t, r, "x", "eth0", "")
	caps := map[string]*labs.Capture{"a": capture(t, r, "a", "eth0", ""), "b": capture(t, r, "b", "eth0", ""), "c": capture(t, r, "c", "eth0", "")}
	wire := capture(t, r, "ul", "hv1", "")
	for _, to := range []string{"192.168.10.1", "192.168.10.2", "192.168.10.3"} {
		pingFails(t, r, "x", to, 2)
	}
	lx := cx.Stop()
	sent := len(grep(lx, "02:00:00:00:00:0e > ", "vlan 7,"))
	if sent == 0 || sent != len(lx) {
		t.Fatalf("x sent %d frames on VLAN 7 out of %d captured, want all and some:\n%v", sent, len(lx), lx)
	}
	// Every frame x sent hits hv1's drop-unknown-vlan flow (flow stats
	// lag the datapath a little).
	var got uint64
	err := labs.WaitFor(ctxT(t, 10*time.Second), 100*time.Millisecond, func() (bool, error) {
		got = drops() - before
		return got >= uint64(sent), nil
	})
	if err != nil || got != uint64(sent) {
		t.Errorf("hv1 drop-unknown-vlan counted %d packets while x sent %d", got, sent)
	}
	for vm, c := range caps {
		checkCount(t, "frames of x at "+vm, c.Stop(), 0, "02:00:00:00:00:0e")
	}
	checkCount(t, "frames of x on the underlay", wire.Stop(), 0, "02:00:00:00:00:0e")
	checkMACs(t, r, "hv1", macEntry{10, "02:00:00:00:00:0a", "local"}, macEntry{10, "02:00:00:00:00:0b", "10.0.0.2"}, macEntry{10, "02:00:00:00:00:0c", "10.0.0.3"})
	checkNoPacketIns(t, r)
}

// unknownVLANDrops returns the packet count of a hypervisor's
// drop-unknown-vlan flow (frames classify matched to no network).
func unknownVLANDrops(t testing.TB, r *labs.Running, hv string) uint64 {
	t.Helper()
	fs := withFeature(flows(t, r, hv, "br-int", "table=0"), pipeline.FeatureDropUnknownVLAN)
	if len(fs) != 1 {
		t.Fatalf("%s: %d drop-unknown-vlan flows, want 1", hv, len(fs))
	}
	return fs[0].Packets
}
