package test

import (
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
)

// TestTenantIsolation runs labs/figure2.yaml: VNIs 1000 and 2000 share the
// group 239.1.1.1 and use the same IP addresses (t1a and t2a are both
// 192.168.1.1 on hv1, t1b and t2b both 192.168.1.2 on hv2); the physical
// machine pm1 (kernel VXLAN) is 192.168.1.9 in VNI 1000 only. Nothing of one
// tenant, broadcast included, reaches the other.
func TestTenantIsolation(t *testing.T) {
	r := upLab(t, "../labs/figure2.yaml", nil)
	tenants := []struct {
		vni        string
		a, b       string // VMs on hv1 and hv2
		macA, macB string
		others     []string // the other tenant's VMs
		reachesPM1 bool
	}{
		{vni: "vni 1000", a: "t1a", b: "t1b", macA: "02:00:00:00:10:01", macB: "02:00:00:00:10:02",
			others: []string{"t2a", "t2b"}, reachesPM1: true},
		{vni: "vni 2000", a: "t2a", b: "t2b", macA: "02:00:00:00:20:01", macB: "02:00:00:00:20:02",
			others: []string{"t1a", "t1b"}, reachesPM1: false},
	}
	for _, tn := range tenants {
		t.Run(tn.a, func(t *testing.T) {
			caps := map[string]*labs.Capture{}
			for _, v := range []string{tn.a, tn.b, tn.others[0], tn.others[1]} {
				caps[v] = capture(t, r, v, "eth0", "")
			}
			pm := capture(t, r, "pm1", "vx1000", "")
			wire := capture(t, r, "ul", "hv1", "udp port 4789")

			// ARP from A for 192.168.1.2: both tenants have that address;
			// only this tenant's B answers.
			out, err := arping(t, r, tn.a, "192.168.1.2")
			if err != nil {
				t.Fatalf("ARP from %s for 192.168.1.2 got no reply: %v", tn.a, err)
			}
			if !strings.Contains(out, "1 packets received") || !strings.Contains(out, "from "+tn.macB+" ") {
				t.Errorf("arping from %s: want exactly one reply, from %s:\n%s", tn.a, tn.macB, out)
			}
			waitLine(t, caps[tn.a], "reply at "+tn.a, "Reply 192.168.1.2 is-at")
			arp := caps[tn.a].Stop()
			checkCount(t, "replies at "+tn.a, arp, 1, "ARP", "Reply 192.168.1.2 is-at")
			checkCount(t, tn.b+"'s reply at "+tn.a, arp, 1, tn.macB+" > "+tn.macA, "Reply 192.168.1.2 is-at "+tn.macB)
			caps[tn.a] = capture(t, r, tn.a, "eth0", "")

			// A broadcast ping and unicast pings inside the tenant.
			_, _ = r.Exec(ctxT(t, 10*time.Second), tn.a, "ping", "-b", "-c", "2", "-i", "0.2", "-W", "1", "192.168.1.255")
			mustPing(t, r, tn.a, "192.168.1.2", 3)
			mustPing(t, r, tn.b, "192.168.1.1", 3)
			if tn.reachesPM1 {
				mustPing(t, r, tn.a, "192.168.1.9", 3)
			} else {
				pingFails(t, r, tn.a, "192.168.1.9", 2)
			}
			waitLine(t, caps[tn.b], "broadcast at "+tn.b, "ff:ff:ff:ff:ff:ff", "192.168.1.1 > 192.168.1.255: ICMP echo request")
			waitCount(t, caps[tn.b], "broadcast pings at "+tn.b, 2, "ff:ff:ff:ff:ff:ff", "ICMP echo request")
			waitCount(t, wire, "broadcast pings to the group", 2, "> 239.1.1.1.4789", tn.vni+" |", "ff:ff:ff:ff:ff:ff", "ICMP echo request")
			if tn.reachesPM1 {
				waitCount(t, pm, "echo requests at pm1", 3, "> 192.168.1.9: ICMP echo request")
				waitCount(t, pm, "broadcast pings at pm1", 2, "> 192.168.1.255: ICMP echo request")
			}
			lines := map[string][]string{}
			for v, c := range caps {
				lines[v] = c.Stop()
			}
			pml, wl := pm.Stop(), wire.Stop()

			checkCount(t, "broadcast pings at "+tn.b, lines[tn.b], 2, "ff:ff:ff:ff:ff:ff", "ICMP echo request")
			// The other tenant's VMs (same addresses) see no frame of this
			// tenant: none from or to its MACs, no broadcast of it.
			for _, o := range tn.others {
				checkCount(t, "frames of "+tn.a+" at "+o, lines[o], 0, tn.macA)
				checkCount(t, "frames of "+tn.b+" at "+o, lines[o], 0, tn.macB)
			}
			if !tn.reachesPM1 {
				checkCount(t, "frames of "+tn.a+" at pm1 (VNI 1000)", pml, 0, tn.macA)
				checkCount(t, "frames of "+tn.b+" at pm1 (VNI 1000)", pml, 0, tn.macB)
			} else {
				checkCount(t, "echo requests at pm1", pml, 3, "> 192.168.1.9: ICMP echo request")
				checkCount(t, "broadcast pings at pm1", pml, 2, "> 192.168.1.255: ICMP echo request")
				// The first exchange with the kernel VTEP works: one request, one reply.
				checkCount(t, "ARP requests for pm1", pml, 1, "Request who-has 192.168.1.9")
			}
			// On the wire this tenant's traffic is in its VNI only; the
			// broadcasts went to the shared group.
			for _, mac := range []string{tn.macA, tn.macB} {
				all := grep(wl, mac)
				if len(all) == 0 || len(grep(all, tn.vni+" |")) != len(all) {
					t.Errorf("frames of %s on the wire: %d, %d of them in %s, want all (and some):\n%s", mac, len(all), len(grep(all, tn.vni+" |")), tn.vni, strings.Join(all, "\n"))
				}
			}
			checkCount(t, "broadcast pings to the group", wl, 2, "> 239.1.1.1.4789", tn.vni+" |", "ff:ff:ff:ff:ff:ff", "ICMP echo request")
		})
	}
	// Each VTEP learned each MAC in its own VNI only.
	checkMACs(t, r, "hv1",
		macEntry{1000, "02:00:00:00:10:01", "local"}, macEntry{1000, "02:00:00:00:10:02", "10.0.0.2"}, macEntry{1000, "02:00:00:00:10:09", "10.0.0.9"},
		macEntry{2000, "02:00:00:00:20:01", "local"}, macEntry{2000, "02:00:00:00:20:02", "10.0.0.2"})
	checkMACs(t, r, "hv2",
		macEntry{1000, "02:00:00:00:10:01", "10.0.0.1"}, macEntry{1000, "02:00:00:00:10:02", "local"},
		macEntry{2000, "02:00:00:00:20:01", "10.0.0.1"}, macEntry{2000, "02:00:00:00:20:02", "local"})
	checkNoPacketIns(t, r)
}
