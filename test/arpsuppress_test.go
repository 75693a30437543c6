package test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// suppressing turns on ARP suppression (learned) in every network of a lab.
func suppressing(f *labs.File) {
	for i := range f.VTEP.Networks {
		f.VTEP.Networks[i].ARPSuppression = "learned"
	}
	for h := range f.Hypervisors {
		for i := range f.Hypervisors[h].Networks {
			f.Hypervisors[h].Networks[i].ARPSuppression = "learned"
		}
	}
}

// neighOf returns the MAC a hypervisor's vtepd binds ip to in vni, as
// `vtepctl neigh` reads it (GET /v1/neigh), "" when it has no binding.
func neighOf(t testing.TB, r *labs.Running, hv string, vni uint32, ip string) string {
	t.Helper()
	ns, err := apiClient(r, hv).Neigh(ctxT(t, 10*time.Second), vni)
	if err != nil {
		t.Fatalf("%s: neigh: %v", hv, err)
	}
	for _, n := range ns {
		if n.IP == ip {
			return n.MAC
		}
	}
	return ""
}

// waitNeigh waits until a hypervisor binds ip to mac in VNI 10.
func waitNeigh(t testing.TB, r *labs.Running, hv, ip, mac string) {
	t.Helper()
	var got string
	err := labs.WaitFor(ctxT(t, 10*time.Second), 100*time.Millisecond, func() (bool, error) {
		got = neighOf(t, r, hv, 10, ip)
		return got == mac, nil
	})
	if err != nil {
		t.Fatalf("%s: %s bound to %q, want %s: %v", hv, ip, got, mac, err)
	}
}

// responderCounts sums a hypervisor's arp-reply and arp-flood flows'
// n_packets, as OVS reports them.
func responderCounts(t testing.TB, r *labs.Running, hv string) (answered, flooded uint64) {
	t.Helper()
	return droppedBy(t, r, hv, uint8(pipeline.FeatureARPReply)), droppedBy(t, r, hv, uint8(pipeline.FeatureARPFlood))
}

// TestARPSuppression runs labs/figure4.yaml with ARP suppression on. Once
// hv1 knows B's binding (learned from B's reply through the tunnel), A's
// ARP request for B is answered on hv1 with B's MAC and no VXLAN frame
// leaves hv1 for it, while a request for an unknown IP still floods to the
// group. C then takes B's address and announces it (gratuitous ARP): every
// VTEP rebinds it, and A's next request gets C's MAC.
func TestARPSuppression(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", suppressing)
	if n := status(t, r, "hv1").Networks; len(n) != 1 || n[0].ARPSuppression != "learned" {
		t.Errorf("hv1: status networks %+v, want VNI 10 with arp_suppression learned", n)
	}
	mustPing(t, r, "a", ipB, 1)
	waitNeigh(t, r, "hv1", ipB, macB)
	waitNeigh(t, r, "hv2", ipA, macA)

	// vtepctl trace names the responder's step.
	for target, want := range map[string]string{ipB: "answered by this VTEP (ARP suppression): reply to port a (VLAN 1)",
		"192.168.10.77": "flooded to group 239.1.1.1 (VNI 10)"} {
		res, err := apiClient(r, "hv1").Trace(ctxT(t, 10*time.Second), api.TraceRequest{InPort: "a", VLAN: 1, DlSrc: macA, NwSrc: ipA, NwDst: target, Proto: "arp"})
		if err != nil || res.Verdict != want {
			t.Errorf("trace of a's request for %s: %q, %v; want %q\n%s", target, res.Verdict, err, want, res.Raw)
		}
	}
	wire := capture(t, r, "ul", "hv1", "udp port 4789")
	out, err := arping(t, r, "a", ipB)
	if err != nil || !strings.Contains(strings.ToLower(out), macB) {
		t.Fatalf("a's arping for b: %v\n%s\nwant a reply from %s", err, out, macB)
	}
	if _, err := arping(t, r, "a", "192.168.10.77"); err == nil {
		t.Errorf("arping for an unknown IP was answered")
	}
	waitLine(t, wire, "the request for the unknown IP, to the group", "> 239.1.1.1.4789", "Request who-has 192.168.10.77")
	lines := wire.Stop()
	checkCount(t, "A's requests for B on the underlay", lines, 0, "Request who-has "+ipB)
	checkCount(t, "the request for the unknown IP", lines, 1, "> 239.1.1.1.4789", "Request who-has 192.168.10.77")
	if answered, flooded := responderCounts(t, r, "hv1"); answered != 1 || flooded < 1 {
		t.Errorf("hv1: responder answered %d, flooded %d; want 1 and at least 1", answered, flooded)
	}

	// C announces B's address as its own.
	cMAC, _ := net.ParseMAC("02:00:00:00:00:0c")
	sendFrames(t, r, "c", "eth0", arpRequest(t, cMAC, net.ParseIP(ipB), net.ParseIP(ipB)))
	for _, hv := range hypervisors(r) {
		waitNeigh(t, r, hv, ipB, cMAC.String())
	}
	out, err = arping(t, r, "a", ipB)
	if err != nil || !strings.Contains(strings.ToLower(out), cMAC.String()) {
		t.Errorf("a's arping for b after the move: %v\n%s\nwant a reply from %s", err, out, cMAC)
	}
	checkNoPacketIns(t, r)
	checkHealthy(t, r)
}

// TestARPSuppressionNoBindingFromUntrusted: with trusted_vteps set, an ARP
// in a VXLAN frame from an untrusted source (10.0.0.66) makes no binding
// on hv1; a secured port's ARP naming an IP outside its vtep-allowed-ips
// makes none on any VTEP (dropped on hv1, counted), while its allowed
// address is bound statically at once.
func TestARPSuppressionNoBindingFromUntrusted(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", func(f *labs.File) {
		suppressing(f)
		f.VTEP.TrustedVTEPs = []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}
		f.PhysicalVTEPs = append(f.PhysicalVTEPs, labs.FilePhysicalVTEP{Name: "evil", VTEPIP: "10.0.0.66/24"})
	})
	mustPing(t, r, "a", ipB, 1)
	evilMAC, _ := net.ParseMAC("02:00:00:00:00:66")
	spoof := vxlanPayload(t, 10, arpRequest(t, evilMAC, net.IPv4(192, 168, 10, 66), net.IPv4(192, 168, 10, 1)))
	before := droppedBy(t, r, "hv1", uint8(pipeline.FeatureDropUntrustedVTEP))
	sendUDP(t, r, "evil", net.IPv4(10, 0, 0, 66), net.IPv4(10, 0, 0, 1), 4789, spoof, 3)
	err := labs.WaitFor(ctxT(t, 10*time.Second), 100*time.Millisecond, func() (bool, error) {
		return droppedBy(t, r, "hv1", uint8(pipeline.FeatureDropUntrustedVTEP)) >= before+3, nil
	})
	if err != nil {
		t.Fatalf("hv1: untrusted frames not counted: %v", err)
	}
	if mac := neighOf(t, r, "hv1", 10, "192.168.10.66"); mac != "" {
		t.Errorf("hv1 bound 192.168.10.66 to %s from an untrusted VTEP", mac)
	}

	if _, err := r.OVS["hv1"].Vsctl(ctxT(t, 10*time.Second), "set", "interface", "a",
		"external_ids:attached-mac="+macA, "external_ids:vtep-allowed-ips="+ipA); err != nil {
		t.Fatal(err)
	}
	err = labs.WaitFor(ctxT(t, 10*time.Second), 100*time.Millisecond, func() (bool, error) {
		ns, err := apiClient(r, "hv1").Neigh(ctxT(t, 5*time.Second), 10)
		for _, n := range ns {
			if n.IP == ipA && n.MAC == macA && n.Source == "static" {
				return true, err
			}
		}
		return false, err
	})
	if err != nil {
		t.Fatalf("hv1: no static binding of a's allowed IP: %v", err)
	}
	aMAC, _ := net.ParseMAC(macA)
	base := droppedBy(t, r, "hv1", uint8(pipeline.FeatureDropPortSecurity))
	sendFrames(t, r, "a", "eth0", arpRequest(t, aMAC, net.IPv4(192, 168, 10, 99), net.ParseIP(ipB)))
	err = labs.WaitFor(ctxT(t, 10*time.Second), 100*time.Millisecond, func() (bool, error) {
		return droppedBy(t, r, "hv1", uint8(pipeline.FeatureDropPortSecurity)) >= base+1, nil
	})
	if err != nil {
		t.Errorf("hv1: a's ARP for a disallowed IP not dropped: %v", err)
	}
	mustPing(t, r, "a", ipB, 1) // a's allowed ARP still works
	for _, hv := range hypervisors(r) {
		if mac := neighOf(t, r, hv, 10, "192.168.10.99"); mac != "" {
			t.Errorf("%s bound 192.168.10.99 (spoofed by a secured port) to %s", hv, mac)
		}
	}
	checkNoPacketIns(t, r)
}

// TestARPSuppressionKernelVTEP runs labs/figure2.yaml with ARP suppression
// on: pm1, a host behind a kernel VXLAN device (192.168.1.9, VNI 1000),
// answers t1a's first ARP itself; hv1 learns its binding from the tunnel,
// and t1a's next request for it is answered on hv1 and never reaches pm1.
func TestARPSuppressionKernelVTEP(t *testing.T) {
	r := upLab(t, "../labs/figure2.yaml", suppressing)
	const pmIP, pmVNI = "192.168.1.9", 1000
	mustPing(t, r, "t1a", pmIP, 1)
	var pmMAC string
	err := labs.WaitFor(ctxT(t, 10*time.Second), 100*time.Millisecond, func() (bool, error) {
		pmMAC = neighOf(t, r, "hv1", pmVNI, pmIP)
		return pmMAC != "", nil
	})
	if err != nil {
		t.Fatalf("hv1: no binding of pm1's %s learned from the tunnel: %v", pmIP, err)
	}
	if mac := neighOf(t, r, "hv1", 2000, pmIP); mac != "" {
		t.Errorf("hv1: VNI 2000 bound %s to %s, learned in VNI 1000", pmIP, mac)
	}
	pm := capture(t, r, "pm1", "vx1000", "arp")
	out, err := arping(t, r, "t1a", pmIP)
	if err != nil || !strings.Contains(strings.ToLower(out), pmMAC) {
		t.Fatalf("t1a's arping for pm1: %v\n%s\nwant a reply from %s", err, out, pmMAC)
	}
	// A request pm1 does see proves the capture works: t1a's for an
	// address nobody binds floods and reaches it.
	if _, err := arping(t, r, "t1a", "192.168.1.77"); err == nil {
		t.Errorf("arping for an unknown IP was answered")
	}
	waitLine(t, pm, "t1a's request for an unknown IP at pm1", "Request who-has 192.168.1.77")
	checkCount(t, "t1a's requests for pm1 at pm1", pm.Stop(), 0, "Request who-has "+pmIP)
	if answered, _ := responderCounts(t, r, "hv1"); answered != 1 {
		t.Errorf("hv1: responder answered %d requests, want 1", answered)
	}
}

// TestARPSuppressionReload: networks[].arp_suppression is applied by a
// reload (SIGHUP) both ways: turned on, hv1 gets its responder and answers
// a's request for b itself; turned off again, the responder's flows go and
// b answers.
func TestARPSuppressionReload(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	orig, err := os.ReadFile(filepath.Join(r.NodeDir("hv1"), "vtepd.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	responder := func() int {
		return len(withFeature(flows(t, r, "hv1", labs.DefaultOverlayBridge), pipeline.FeatureARPReply))
	}
	waitResponder := func(want bool) {
		t.Helper()
		err := labs.WaitFor(ctxT(t, 20*time.Second), 100*time.Millisecond, func() (bool, error) {
			return (responder() > 0) == want, nil
		})
		if err != nil {
			t.Fatalf("hv1: responder flows present = %v, want %v: %v", !want, want, err)
		}
	}
	if responder() != 0 {
		t.Fatalf("hv1 has responder flows with arp_suppression off")
	}
	// The lab's one network is the configuration's last entry.
	sighup(t, r, "hv1", string(orig)+"    arp_suppression: learned\n")
	waitResponder(true)
	mustPing(t, r, "a", ipB, 1)
	waitNeigh(t, r, "hv1", ipB, macB)
	if _, err := arping(t, r, "a", ipB); err != nil {
		t.Fatalf("a's arping for b with suppression on: %v", err)
	}
	if answered, _ := responderCounts(t, r, "hv1"); answered != 1 {
		t.Errorf("hv1 answered %d requests, want 1", answered)
	}
	sighup(t, r, "hv1", string(orig))
	waitResponder(false)
	if out, err := arping(t, r, "a", ipB); err != nil || !strings.Contains(strings.ToLower(out), macB) {
		t.Errorf("a's arping for b with suppression off again: %v\n%s", err, out)
	}
	checkHealthy(t, r)
}
