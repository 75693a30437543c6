package test

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
)

// labs/leafspine.yaml: rack 1 (10.0.1.0/24 behind leaf1) holds hv1 (A, E)
// and hv2 (C, F); rack 2 (10.0.2.0/24 behind leaf2) holds hv3 (B) and hv4
// (D). VNI 10 (239.1.1.1) spans both racks, VNI 20 (239.1.1.2) only rack 1.
const (
	leafSpineLab = "../labs/leafspine.yaml"
	groupVNI20   = "239.1.1.2"
	vtep1, vtep2 = "10.0.1.11", "10.0.1.12"
	vtep3, vtep4 = "10.0.2.11", "10.0.2.12"
)

// primePIM makes PIM build the source trees of every VTEP for a group,
// before a test relies on them: a first-hop router registers a new
// source's first packet with the RP, and FRR's RP does not forward the
// decapsulated packet, so a VTEP's first flood after a quiet spell (no
// (S,G) state) is lost. Each VTEP pings the group (plain ICMP from its
// VTEP address, which no VTEP takes for VXLAN) until the spine has switched
// the source to its shortest-path tree (flag T).
func primePIM(t *testing.T, r *labs.Running, group string, hvs map[string]string) {
	t.Helper()
	ctx := ctxT(t, 60*time.Second)
	err := labs.WaitFor(ctx, 200*time.Millisecond, func() (bool, error) {
		rs, err := r.Mroutes(ctx, "spine")
		if err != nil {
			return false, err
		}
		done := map[string]bool{}
		for _, m := range rs {
			if m.Group == group && strings.Contains(m.Flags, "T") {
				done[m.Source] = true
			}
		}
		missing := 0
		for hv, ip := range hvs {
			if !done[ip] {
				missing++
				_, _ = r.Exec(ctx, hv, "ping", "-c", "1", "-W", "0.1", "-t", "16", "-I", ip, group)
			}
		}
		return missing == 0, nil
	})
	if err != nil {
		t.Fatalf("PIM has no shortest-path tree of every VTEP for %s: %v", group, err)
	}
}

// TestLeafSpineARPWalkthrough: the ARP walk-through across racks. A's
// request goes to the group once; PIM carries it to rack 2 (hv3, hv4)
// while rack 1's switch gives it to hv2; B's reply comes back unicast
// through leaf2, the spine and leaf1; the learned tables are those of the
// walk-through, with VTEP addresses of two subnets.
func TestLeafSpineARPWalkthrough(t *testing.T) {
	labstest.RequireFRR(t)
	r := upLab(t, leafSpineLab, nil)
	primePIM(t, r, group, map[string]string{"hv1": vtep1, "hv2": vtep2, "hv3": vtep3, "hv4": vtep4})
	wire := map[string]*labs.Capture{
		"hv1": capture(t, r, "rack1", "hv1", "udp port 4789"),
		"hv2": capture(t, r, "rack1", "hv2", "udp port 4789"),
		"hv3": capture(t, r, "rack2", "hv3", "udp port 4789"),
		"hv4": capture(t, r, "rack2", "hv4", "udp port 4789"),
	}
	out, err := arping(t, r, "a", ipB)
	if err != nil || !strings.Contains(out, "1 packets received") {
		t.Fatalf("A's ARP request for B across the racks got no reply: %v\n%s", err, out)
	}
	request := "Request who-has " + ipB + " tell " + ipA
	reply := "Reply " + ipB + " is-at " + macB
	for _, hv := range []string{"hv2", "hv3", "hv4"} {
		waitLine(t, wire[hv], "request at "+hv, vtep1+".", "> "+group+".4789", request)
	}
	waitLine(t, wire["hv1"], "reply at VTEP 1", vtep3+".", "> "+vtep1+".4789", reply)
	lines := map[string][]string{}
	for k, c := range wire {
		lines[k] = c.Stop()
	}
	checkCount(t, "VTEP 1 sends the request", lines["hv1"], 1, vtep1+".", "> "+group+".4789: VXLAN", "vni 10 |", request)
	for _, hv := range []string{"hv2", "hv3", "hv4"} {
		checkCount(t, hv+" receives the request", lines[hv], 1, "> "+group+".4789", "vni 10 |", request)
	}
	checkCount(t, "VTEP 3 sends the reply", lines["hv3"], 1, vtep3+".", "> "+vtep1+".4789: VXLAN", "vni 10 |", reply)
	checkCount(t, "VTEP 3 sends a reply to the group", lines["hv3"], 0, "> "+group, "Reply")
	checkCount(t, "reply at VTEP 4", lines["hv4"], 0, "Reply")
	checkCount(t, "reply at VTEP 2", lines["hv2"], 0, "Reply")
	entryA := macEntry{VNI: 10, MAC: macA, VTEP: vtep1}
	checkMACs(t, r, "hv1", macEntry{VNI: 10, MAC: macA, VTEP: "local"}, macEntry{VNI: 10, MAC: macB, VTEP: vtep3})
	checkMACs(t, r, "hv2", entryA)
	checkMACs(t, r, "hv3", entryA, macEntry{VNI: 10, MAC: macB, VTEP: "local"})
	checkMACs(t, r, "hv4", entryA)
	mustPing(t, r, "a", ipB, 3)
}

// TestLeafSpinePIMPrunes: VNI 20's group has members only in rack 1, so a
// flood in VNI 20 reaches hv2 through rack 1's switch and never rack 2:
// leaf2 has no member and joins nothing, and nothing of the group crosses
// into rack 2.
func TestLeafSpinePIMPrunes(t *testing.T) {
	labstest.RequireFRR(t)
	r := upLab(t, leafSpineLab, nil)
	rack2 := map[string]*labs.Capture{}
	for _, port := range []string{"hv3", "hv4", "leaf2"} {
		rack2[port] = capture(t, r, "rack2", port, "dst "+groupVNI20)
	}
	hv2 := capture(t, r, "rack1", "hv2", "udp port 4789")
	out, err := arping(t, r, "e", "192.168.20.2")
	if err != nil || !strings.Contains(out, "1 packets received") {
		t.Fatalf("E's ARP request for F got no reply: %v\n%s", err, out)
	}
	waitLine(t, hv2, "VNI 20 flood at hv2", vtep1+".", "> "+groupVNI20+".4789", "vni 20 |")
	hv2.Stop()
	// The flood after PIM has the source's state: still nothing in rack 2.
	primePIM(t, r, group, map[string]string{"hv1": vtep1})
	if _, err := arping(t, r, "e", "192.168.20.2"); err != nil {
		t.Fatal(err)
	}
	for port, c := range rack2 {
		checkCount(t, "packets to "+groupVNI20+" on rack 2's port "+port, c.Stop(), 0, groupVNI20)
	}
	rs, err := r.Mroutes(ctxT(t, 10*time.Second), "leaf2")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range rs {
		if m.Group == groupVNI20 && len(m.OIL) > 0 {
			t.Errorf("leaf2 forwards %s: %+v", groupVNI20, m)
		}
	}
	checkRoutedStatus(t, r)
}

// checkRoutedStatus: lab status sees the routed lab whole, then reports a
// dead pimd, and that its router's PIM neighbours cannot be read.
func checkRoutedStatus(t *testing.T, r *labs.Running) {
	t.Helper()
	ctx := ctxT(t, 30*time.Second)
	if err := labs.SaveState(r.File, leafSpineLab, vtepdBin); err != nil {
		t.Fatal(err)
	}
	s, err := labs.Status(ctx, r.File.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Err(); err != nil || len(s.Routers) != 3 || s.Routers[2].FRR.PIM == nil {
		t.Fatalf("status of the whole lab: %v, routers %+v", err, s.Routers)
	}
	pid, ok := labs.PidAlive(r.NodeDir("leaf2") + "/pimd.pid")
	if !ok {
		t.Fatal("pimd of leaf2 is not running")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// (The spine would notice the lost adjacency only when its hold time,
	// 105 s, ends.)
	err = labs.WaitFor(ctx, 100*time.Millisecond, func() (bool, error) {
		s, err = labs.Status(ctx, r.File.Prefix)
		p := strings.Join(s.Problems, "\n")
		return err == nil && strings.Contains(p, "pimd of leaf2 pid") && strings.Contains(p, "pim neighbours of leaf2"), err
	})
	if err != nil {
		t.Errorf("status does not report leaf2's dead pimd and its PIM state: %v %v", err, s.Problems)
	}
}

// TestLeafSpineReplication: head-end replication across the routers. A's
// request goes unicast to each other VTEP, two of them in the other rack
// behind the leaves, and A and B talk.
func TestLeafSpineReplication(t *testing.T) {
	labstest.RequireFRR(t)
	r := upLab(t, leafSpineLab, func(f *labs.File) { f.VTEP.Flood = "replication" })
	w1 := capture(t, r, "rack1", "hv1", "udp port 4789")
	out, err := arping(t, r, "a", ipB)
	if err != nil || !strings.Contains(out, "1 packets received") {
		t.Fatalf("A's ARP request for B got no reply: %v\n%s", err, out)
	}
	request := "Request who-has " + ipB + " tell " + ipA
	waitLine(t, w1, "reply at VTEP 1", vtep3+".", "> "+vtep1+".4789", "Reply")
	lines := w1.Stop()
	for _, peer := range []string{vtep2, vtep3, vtep4} {
		checkCount(t, "request replicated to "+peer, lines, 1, vtep1+".", "> "+peer+".4789: VXLAN", "vni 10 |", request)
	}
	checkCount(t, "requests to a group", lines, 0, "> 239.")
	checkMACs(t, r, "hv4", macEntry{VNI: 10, MAC: macA, VTEP: vtep1})
	mustPing(t, r, "a", ipB, 3)
}
