package test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// The ARP walk-through (labs/figure4.yaml), the lab that shows flooding and
// learning step by step: A on VTEP 1 (10.0.0.1),
// B on VTEP 2 (10.0.0.2), C on VTEP 3 (10.0.0.3), all tagged VLAN 1, which
// maps to VNI 10, whose BUM traffic goes to 239.1.1.1 over an IGMP-snooping
// underlay.
const (
	macA  = "02:00:00:00:00:0a"
	macB  = "02:00:00:00:00:0b"
	ipA   = "192.168.10.1"
	ipB   = "192.168.10.2"
	group = "239.1.1.1"
)

// TestARPWalkthrough follows the walk-through step by step.
func TestARPWalkthrough(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	hvs := hypervisors(r)

	// Step 1: VLAN 1 maps to VNI 10 and VNI 10 to 239.1.1.1, on every VTEP.
	for _, hv := range hvs {
		s := status(t, r, hv)
		wantNets := []api.NetworkStatus{{VNI: 10, VLAN: 1, Group: group}}
		if !reflect.DeepEqual(s.Networks, wantNets) || s.FloodMode != "multicast" {
			t.Errorf("%s: networks %+v flood %q, want %+v multicast", hv, s.Networks, s.FloodMode, wantNets)
		}
		if !reflect.DeepEqual(s.GroupsJoined, []string{group}) {
			t.Errorf("%s: joined %v, want [%s]", hv, s.GroupsJoined, group)
		}
		if len(s.Ports) != 1 || !reflect.DeepEqual(s.Ports[0].VNIs, []uint32{10}) || !reflect.DeepEqual(s.Ports[0].Trunks, []uint16{1}) {
			t.Fatalf("%s: ports %+v, want one trunk of VLAN 1 in VNI 10", hv, s.Ports)
		}
		port := s.Ports[0].OFPort
		fs := flows(t, r, hv, "br-int")
		cls := withFeature(fs, pipeline.FeatureClassifyVLAN)
		if len(cls) != 1 || cls[0].Fields["in_port"] != fmt.Sprint(port) || cls[0].Fields["dl_vlan"] != "1" ||
			!strings.Contains(cls[0].Actions, "pop_vlan,load:0xa->NXM_NX_REG0[0..23]") || cls[0].Cookie.VNI() != 10 {
			t.Errorf("%s: classify flows %+v, want in_port=%d,dl_vlan=1 -> pop_vlan, VNI 10", hv, cls, port)
		}
		// Floods from the local port check their size (the underlay's MTU
		// is known) and their tunnel copy goes to the group in flood-out.
		var checked, toGroup int
		for _, f := range withFeature(fs, pipeline.FeatureFlood) {
			if f.Fields["reg1"] == "0/0x1" && strings.Contains(f.Actions, "check_pkt_larger(1464)->NXM_NX_REG1[2],resubmit(,55)") {
				checked++
			}
		}
		for _, f := range withFeature(fs, pipeline.FeatureFloodOut) {
			if f.Cookie.VNI() == 10 && strings.HasPrefix(f.Actions, "set_field:0xa->tun_id,set_field:"+group+"->tun_dst,output:") {
				toGroup++
			}
		}
		if checked != 1 || toGroup != 1 {
			t.Errorf("%s: %d flood flows from local ports check the size and %d flood-out flows send VNI 10 to %s, want 1 and 1", hv, checked, toGroup, group)
		}
		// Nothing learned before anyone speaks.
		checkMACs(t, r, hv)
	}
	waitMembers(t, r, group, hvs...)

	// Step 2: A ARPs for B.
	wire := map[string]*labs.Capture{}
	for _, hv := range hvs {
		wire[hv] = capture(t, r, "ul", hv, "udp port 4789")
	}
	vm := map[string]*labs.Capture{}
	for _, v := range []string{"a", "b", "c"} {
		vm[v] = capture(t, r, v, "eth0", "")
	}
	out, err := arping(t, r, "a", ipB)
	if err != nil {
		t.Fatalf("A's ARP request for B got no reply: %v", err)
	}
	if !strings.Contains(out, "1 packets received") || !strings.Contains(out, "from "+macB+" ("+ipB+")") {
		t.Errorf("arping: want one reply from B (%s):\n%s", macB, out)
	}
	request := "Request who-has " + ipB + " tell " + ipA
	reply := "Reply " + ipB + " is-at " + macB
	waitLine(t, wire["hv2"], "request at VTEP 2", "> "+group+".4789", request)
	waitLine(t, wire["hv3"], "request at VTEP 3", "> "+group+".4789", request)
	waitLine(t, vm["c"], "request at C", request)
	waitLine(t, wire["hv2"], "reply leaving VTEP 2", reply)
	waitLine(t, vm["a"], "reply at A", reply)
	lines := map[string][]string{}
	for k, c := range wire {
		lines[k] = c.Stop()
	}
	for k, c := range vm {
		lines[k] = c.Stop()
	}

	// The request leaves VTEP 1 once, to the group, in VNI 10 ...
	checkCount(t, "VTEP 1 sends", lines["hv1"], 1, "10.0.0.1.", "> "+group+".4789: VXLAN", "vni 10 |", macA+" > ff:ff:ff:ff:ff:ff", request)
	checkCount(t, "VTEP 1 sends to the group (anything)", lines["hv1"], 1, "> "+group+".")
	checkCount(t, "VTEP 1 sends unicast requests", lines["hv1"], 0, request, "> 10.0.0.")
	// ... and reaches VTEP 2 and VTEP 3 once each.
	for _, hv := range []string{"hv2", "hv3"} {
		checkCount(t, hv+" receives", lines[hv], 1, "10.0.0.1.", "> "+group+".4789", "vni 10 |", request)
	}
	// VTEP 2 and VTEP 3 hold A's MAC, VNI 10, 10.0.0.1; VTEP 2 also B's, local.
	entryA := macEntry{VNI: 10, MAC: macA, VTEP: "10.0.0.1"}
	checkMACs(t, r, "hv2", entryA, macEntry{VNI: 10, MAC: macB, VTEP: "local"})
	checkMACs(t, r, "hv3", entryA)

	// Only B answers: A sees exactly one reply, B's.
	checkCount(t, "replies at A", lines["a"], 1, "Reply")
	checkCount(t, "B's reply at A", lines["a"], 1, macB+" > "+macA, "vlan 1,", reply)
	// The reply crosses the underlay unicast 10.0.0.2 > 10.0.0.1, never to the group.
	checkCount(t, "VTEP 2 sends the reply", lines["hv2"], 1, "10.0.0.2.", "> 10.0.0.1.4789: VXLAN", "vni 10 |", reply)
	checkCount(t, "VTEP 2 sends a reply to the group", lines["hv2"], 0, "> "+group, "Reply")
	checkCount(t, "reply at VTEP 3", lines["hv3"], 0, "Reply")
	// VTEP 1 holds B's MAC, VNI 10, VTEP 2's IP.
	checkMACs(t, r, "hv1", macEntry{VNI: 10, MAC: macA, VTEP: "local"}, macEntry{VNI: 10, MAC: macB, VTEP: "10.0.0.2"})
	// C got the request, tagged VLAN 1, and never the reply.
	checkCount(t, "request at C", lines["c"], 1, macA+" > ff:ff:ff:ff:ff:ff", "vlan 1,", request)
	checkCount(t, "reply at C", lines["c"], 0, "Reply")
	checkCount(t, "request at B", lines["b"], 1, request)

	// Step 3: A and B now know each other (A takes B's address from the
	// reply, as its ARP cache would), and unicast between them touches no
	// third VTEP.
	mustExec(t, r, "a", "ip", "neigh", "replace", ipB, "lladdr", macB, "dev", "eth0", "nud", "permanent")
	mustExec(t, r, "b", "ip", "neigh", "replace", ipA, "lladdr", macA, "dev", "eth0", "nud", "permanent")
	w1 := capture(t, r, "ul", "hv1", "udp port 4789")
	w3 := capture(t, r, "ul", "hv3", "")
	mustPing(t, r, "a", ipB, 5)
	waitCount(t, w1, "echo requests VTEP 1 -> VTEP 2", 5, "10.0.0.1.", "> 10.0.0.2.4789", "ICMP echo request")
	waitCount(t, w1, "echo replies VTEP 2 -> VTEP 1", 5, "10.0.0.2.", "> 10.0.0.1.4789", "ICMP echo reply")
	l1, l3 := w1.Stop(), w3.Stop()
	checkCount(t, "echo requests VTEP 1 -> VTEP 2", l1, 5, "10.0.0.1.", "> 10.0.0.2.4789", "vni 10 |", "ICMP echo request")
	checkCount(t, "echo replies VTEP 2 -> VTEP 1", l1, 5, "10.0.0.2.", "> 10.0.0.1.4789", "vni 10 |", "ICMP echo reply")
	checkCount(t, "VXLAN to the group during the pings", l1, 0, "> "+group)
	checkCount(t, "VXLAN at VTEP 3 during the pings", l3, 0, "VXLAN")
	checkMACs(t, r, "hv3", entryA)

	checkNoPacketIns(t, r)
}
