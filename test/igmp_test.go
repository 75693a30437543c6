package test

import (
	"reflect"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
)

// igmpLab has two groups on a snooping underlay: VNI 10 (239.1.1.1) on hv1
// and hv2, VNI 20 (239.2.2.2) on hv1 and hv3. hv3 hosts no VNI of
// 239.1.1.1, hv2 none of 239.2.2.2.
const igmpLab = `
prefix: igmp
description: two groups on an IGMP-snooping underlay
underlay: {igmp_snooping: true}
vtep:
  flood: multicast
  networks:
    - {vni: 10, vlan: 1, group: 239.1.1.1}
    - {vni: 20, vlan: 2, group: 239.2.2.2}
hypervisors:
  - {name: hv1, vtep_ip: 10.0.0.1/24}
  - {name: hv2, vtep_ip: 10.0.0.2/24, networks: [{vni: 10, vlan: 1, group: 239.1.1.1}]}
  - {name: hv3, vtep_ip: 10.0.0.3/24, networks: [{vni: 20, vlan: 2, group: 239.2.2.2}]}
vms:
  - {name: a, hypervisor: hv1, mac: "02:00:00:00:00:0a", ip: 192.168.10.1/24, vlan: 1}
  - {name: b, hypervisor: hv2, mac: "02:00:00:00:00:0b", ip: 192.168.10.2/24, vlan: 1}
  - {name: d, hypervisor: hv1, mac: "02:00:00:00:00:0d", ip: 192.168.20.1/24, vlan: 2}
  - {name: c, hypervisor: hv3, mac: "02:00:00:00:00:0c", ip: 192.168.20.3/24, vlan: 2}
`

// TestIGMPSnooping: each vtepd joins exactly the groups of its VNIs, and on
// a snooping underlay a VTEP that hosts no VNI of a group receives none of
// its traffic while the members flood to it.
func TestIGMPSnooping(t *testing.T) {
	r := upLab(t, labFile(t, igmpLab), nil)
	joined := map[string][]string{"hv1": {"239.1.1.1", "239.2.2.2"}, "hv2": {"239.1.1.1"}, "hv3": {"239.2.2.2"}}
	for hv, want := range joined {
		if got := status(t, r, hv).GroupsJoined; !reflect.DeepEqual(got, want) {
			t.Errorf("%s joined %v, want %v", hv, got, want)
		}
	}
	waitMembers(t, r, "239.1.1.1", "hv1", "hv2")
	waitMembers(t, r, "239.2.2.2", "hv1", "hv3")
	waitSnooping(t, r, "hv1", "239.1.1.1", "hv2", "hv3")

	for _, tc := range []struct {
		from, target, grp, member, outsider string
	}{
		{from: "a", target: "192.168.10.2", grp: "239.1.1.1", member: "hv2", outsider: "hv3"},
		{from: "d", target: "192.168.20.3", grp: "239.2.2.2", member: "hv3", outsider: "hv2"},
	} {
		t.Run(tc.grp, func(t *testing.T) {
			sender := capture(t, r, "ul", "hv1", "udp port 4789")
			member := capture(t, r, "ul", tc.member, "udp port 4789")
			outsider := capture(t, r, "ul", tc.outsider, "")
			// ARP requests (answered) and broadcast pings: three floods to the group.
			if out, err := arping(t, r, tc.from, tc.target); err != nil {
				t.Fatalf("ARP from %s for %s: %v\n%s", tc.from, tc.target, err, out)
			}
			_, _ = r.Exec(ctxT(t, 10*time.Second), tc.from, "ping", "-b", "-c", "2", "-i", "0.2", "-W", "1", tc.target[:len(tc.target)-1]+"255")
			waitLine(t, member, "broadcast ping at the member", "> "+tc.grp+".4789", "ICMP echo request, id", "seq 2")
			waitCount(t, sender, "floods sent by hv1", 3, "10.0.0.1.", "> "+tc.grp+".4789")
			waitCount(t, member, "floods received by "+tc.member, 3, "10.0.0.1.", "> "+tc.grp+".4789")
			ls, lm, lo := sender.Stop(), member.Stop(), outsider.Stop()
			checkCount(t, "floods sent by hv1 to "+tc.grp, ls, 3, "10.0.0.1.", "> "+tc.grp+".4789")
			checkCount(t, "floods received by member "+tc.member, lm, 3, "10.0.0.1.", "> "+tc.grp+".4789")
			checkCount(t, "packets to "+tc.grp+" at "+tc.outsider, lo, 0, "> "+tc.grp)
			checkCount(t, "VXLAN at "+tc.outsider, lo, 0, "VXLAN")
		})
	}
	checkMACs(t, r, "hv3", macEntry{20, "02:00:00:00:00:0d", "10.0.0.1"}, macEntry{20, "02:00:00:00:00:0c", "local"})
	checkMACs(t, r, "hv2", macEntry{10, "02:00:00:00:00:0a", "10.0.0.1"}, macEntry{10, "02:00:00:00:00:0b", "local"})
	checkNoPacketIns(t, r)
}

// waitSnooping waits until the underlay forwards group traffic by
// membership: a probe (ICMP to the group from a member's underlay bridge)
// reaches the member and not the outsider. A Linux bridge floods all
// multicast for a moment after its querier starts.
func waitSnooping(t testing.TB, r *labs.Running, from, grp, member, outsider string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; ; i++ {
		m := capture(t, r, "ul", member, "icmp and dst host "+grp)
		o := capture(t, r, "ul", outsider, "icmp and dst host "+grp)
		_, _ = r.Exec(ctxT(t, 10*time.Second), from, "ping", "-c", "1", "-W", "0.1", "-I", labs.DefaultUnderlayBridge, "-t", "2", grp)
		waitLine(t, m, "probe at member "+member, "> "+grp+": ICMP echo request")
		lm, lo := m.Stop(), o.Stop()
		if len(lo) == 0 && len(lm) == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the underlay still floods %s to %s after %d probes:\n%v", grp, outsider, i+1, lo)
		}
	}
}
