package test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
)

// noMulticast turns figure4's underlay into one that drops IP multicast.
func noMulticast(flood string) func(*labs.File) {
	return func(f *labs.File) {
		f.Underlay.IGMPSnooping = false
		f.Underlay.NoMulticast = true
		f.VTEP.Flood = flood
	}
}

// TestReplication: on an underlay that drops multicast, head-end
// replication (flood: replication) gives the reachability multicast mode
// cannot.
func TestReplication(t *testing.T) {
	request := "Request who-has " + ipB + " tell " + ipA

	// First, the underlay really drops multicast: in multicast mode the
	// request leaves VTEP 1 for the group and reaches neither VTEP 2 nor
	// VTEP 3, and A gets no answer.
	t.Run("multicast-mode-fails", func(t *testing.T) {
		r := upLab(t, "../labs/figure4.yaml", noMulticast("multicast"))
		wire := map[string]*labs.Capture{}
		for _, hv := range hypervisors(r) {
			wire[hv] = capture(t, r, "ul", hv, "udp port 4789")
		}
		cb := capture(t, r, "b", "eth0", "")
		if out, err := arping(t, r, "a", ipB); err == nil {
			t.Errorf("A got an answer across an underlay that drops multicast:\n%s", out)
		}
		waitLine(t, wire["hv1"], "request leaving VTEP 1", "> "+group+".4789", request)
		checkCount(t, "request at VTEP 2", wire["hv2"].Stop(), 0, request)
		checkCount(t, "request at VTEP 3", wire["hv3"].Stop(), 0, request)
		checkCount(t, "request at B", cb.Stop(), 0, request)
		checkNoPacketIns(t, r)
	})

	t.Run("replication-works", func(t *testing.T) {
		r := upLab(t, "../labs/figure4.yaml", noMulticast("replication"))
		peers := map[string][]string{
			"hv1": {"10.0.0.2", "10.0.0.3"},
			"hv2": {"10.0.0.1", "10.0.0.3"},
			"hv3": {"10.0.0.1", "10.0.0.2"},
		}
		for _, hv := range hypervisors(r) {
			s := status(t, r, hv)
			if s.FloodMode != "replication" || !reflect.DeepEqual(s.Peers, peers[hv]) || len(s.GroupsJoined) != 0 {
				t.Errorf("%s: flood %q peers %v joined %v, want replication to %v, no groups", hv, s.FloodMode, s.Peers, s.GroupsJoined, peers[hv])
			}
			groups, err := r.OVS[hv].Ofctl(ctxT(t, 10*time.Second), "dump-groups", "br-int")
			if err != nil {
				t.Fatal(err)
			}
			var g []string
			for _, l := range strings.Split(groups, "\n") {
				if strings.Contains(l, "group_id=") {
					g = append(g, strings.TrimSpace(l))
				}
			}
			tunnel, err := r.OVS[hv].Vsctl(ctxT(t, 10*time.Second), "get", "interface", "vxlan0", "ofport")
			if err != nil {
				t.Fatal(err)
			}
			tunnel = strings.TrimSpace(tunnel)
			want := fmt.Sprintf("group_id=10,type=all,bucket=actions=set_field:%s->tun_dst,output:%s,bucket=actions=set_field:%s->tun_dst,output:%s",
				peers[hv][0], tunnel, peers[hv][1], tunnel)
			if !reflect.DeepEqual(g, []string{want}) {
				t.Errorf("%s: groups %q, want [%s]", hv, g, want)
			}
		}
		checkPeersResolved(t, r)
		wire := map[string]*labs.Capture{}
		for _, hv := range hypervisors(r) {
			wire[hv] = capture(t, r, "ul", hv, "udp port 4789")
		}
		cc := capture(t, r, "c", "eth0", "")
		out, err := arping(t, r, "a", ipB)
		if err != nil || !strings.Contains(out, "1 packets received") || !strings.Contains(out, "from "+macB+" ") {
			t.Fatalf("A's ARP for B: want one reply from %s, got %v:\n%s", macB, err, out)
		}
		waitLine(t, wire["hv3"], "request at VTEP 3", request)
		waitLine(t, cc, "request at C", request)
		waitLine(t, wire["hv1"], "reply at VTEP 1", "Reply "+ipB)
		waitCount(t, wire["hv1"], "requests from VTEP 1", 2, request)
		l1 := wire["hv1"].Stop()
		// The request leaves VTEP 1 twice, unicast, once per peer, never to a group.
		checkCount(t, "request to VTEP 2", l1, 1, "10.0.0.1.", "> 10.0.0.2.4789: VXLAN", "vni 10 |", request)
		checkCount(t, "request to VTEP 3", l1, 1, "10.0.0.1.", "> 10.0.0.3.4789: VXLAN", "vni 10 |", request)
		checkCount(t, "requests from VTEP 1", l1, 2, request)
		checkCount(t, "VXLAN to a group", l1, 0, "> 239.")
		checkCount(t, "reply VTEP 2 -> VTEP 1", l1, 1, "10.0.0.2.", "> 10.0.0.1.4789: VXLAN", "vni 10 |", "Reply "+ipB+" is-at "+macB)
		checkCount(t, "reply at VTEP 3", wire["hv3"].Stop(), 0, "Reply")
		checkCount(t, "request at C", cc.Stop(), 1, request)
		wire["hv2"].Stop()
		entryA := macEntry{VNI: 10, MAC: macA, VTEP: "10.0.0.1"}
		checkMACs(t, r, "hv1", macEntry{VNI: 10, MAC: macA, VTEP: "local"}, macEntry{VNI: 10, MAC: macB, VTEP: "10.0.0.2"})
		checkMACs(t, r, "hv2", entryA, macEntry{VNI: 10, MAC: macB, VTEP: "local"})
		checkMACs(t, r, "hv3", entryA)
		// Full reachability.
		mustPing(t, r, "a", ipB, 3)
		mustPing(t, r, "b", "192.168.10.3", 3)
		mustPing(t, r, "c", ipA, 3)
		checkNoPacketIns(t, r)
	})
}

// checkPeersResolved checks that every hypervisor's vtepd has put its
// peers' underlay MACs into OVS's neighbour cache before
// anything is flooded: otherwise OVS would drop the first flood to each
// peer while it ARPs (see TestReplicationFirstFlood).
func checkPeersResolved(t testing.TB, r *labs.Running) {
	t.Helper()
	for _, h := range r.File.Hypervisors {
		out, err := r.OVS[h.Name].Appctl(ctxT(t, 10*time.Second), "tnl/neigh/show")
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range r.File.Hypervisors {
			if p.Name == h.Name {
				continue
			}
			ip := strings.Split(p.VTEPIP, "/")[0]
			mac, err := labs.LinkMAC(r.Netns(p.Name), labs.DefaultUnderlayBridge)
			if err != nil {
				t.Fatal(err)
			}
			if !containsFields(out, ip, mac.String(), labs.DefaultUnderlayBridge) {
				t.Errorf("%s: OVS has no neighbour entry %s -> %s:\n%s", h.Name, ip, mac, out)
			}
		}
	}
}

// containsFields reports whether some line of out has these fields first.
func containsFields(out string, fields ...string) bool {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= len(fields) && reflect.DeepEqual(f[:len(fields)], fields) {
			return true
		}
	}
	return false
}

// TestReplicationFirstFlood: in replication mode, the first frame a VTEP
// floods reaches its peers. OVS drops a tunnel packet whose underlay next
// hop it has not resolved yet (it sends an ARP instead), so vtepd resolves
// its peers into OVS's neighbour cache before it floods to them.
func TestReplicationFirstFlood(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", noMulticast("replication"))
	if out, err := arping(t, r, "a", ipB); err != nil {
		t.Errorf("A's first ARP request for B got no answer: %v\n%s", err, out)
	}
}
