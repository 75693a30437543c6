package test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// expiryMargin is how long after mac_ageing a learned entry may still be
// seen: OVS refreshes learned flows from its datapath flow cache and checks
// timeouts once per revalidator round (500 ms), and timeouts count whole
// seconds.
const expiryMargin = 1500 * time.Millisecond

// learnedFlow returns the learned table-30 flow of mac on a hypervisor.
func learnedFlow(t testing.TB, r *labs.Running, hv, mac string) (dumpedFlow, bool) {
	t.Helper()
	for _, f := range flows(t, r, hv, "br-int", fmt.Sprintf("table=%d", pipeline.TableMAC)) {
		if f.Cookie.Feature().Learned() && f.Fields["dl_dst"] == mac {
			return f, true
		}
	}
	return dumpedFlow{}, false
}

// silence makes a VM send nothing at all: no ICMP answers, no ARP.
func silence(t testing.TB, r *labs.Running, vm string) {
	t.Helper()
	mustExec(t, r, vm, "sysctl", "-qw", "net.ipv4.icmp_echo_ignore_all=1")
	mustExec(t, r, vm, "ip", "link", "set", "eth0", "arp", "off")
}

// pingForever starts a ping at 10 frames a second from one VM to an address;
// it stops when the test ends.
func pingForever(t testing.TB, r *labs.Running, from, to string) {
	t.Helper()
	d, err := r.StartDaemon(ctxT(t, 10*time.Second), from, "ping", "-q", "-i", "0.1", to)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Stop() })
}

// TestSilentMACAgesOutWhileTrafficGoesToIt: b answers a, then goes silent
// (as a VM that moved away does at its old place) while a keeps sending to
// it. b's entries, remote on hv1 and local on hv2, go mac_ageing after b's
// last frame although a's frames hit them all along; a's entry on hv2 stays,
// since a keeps speaking.
func TestSilentMACAgesOutWhileTrafficGoesToIt(t *testing.T) {
	const ageing = 4 * time.Second
	r := upLab(t, "../labs/figure4.yaml", func(f *labs.File) { f.VTEP.MACAgeing = ageing.String() })
	const macA, macB = "02:00:00:00:00:0a", "02:00:00:00:00:0b"
	mustPing(t, r, "a", "192.168.10.2", 2)
	silence(t, r, "b")
	silent := time.Now() // b's last frame was before this
	// a keeps sending to b without asking ARP first.
	mustExec(t, r, "a", "ip", "neigh", "replace", "192.168.10.2", "lladdr", macB, "dev", "eth0", "nud", "permanent")
	pingForever(t, r, "a", "192.168.10.2")

	type watch struct {
		hv      string
		first   uint64 // n_packets when first seen
		hit     bool   // n_packets grew: a's frames used the entry
		goneAft time.Duration
	}
	ws := []*watch{{hv: "hv1"}, {hv: "hv2"}}
	deadline := silent.Add(ageing + expiryMargin)
	for pending := len(ws); pending > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("b's entries still learned %v after b went silent (mac_ageing %v)", time.Since(silent).Round(time.Millisecond), ageing)
		}
		for _, w := range ws {
			if w.goneAft != 0 {
				continue
			}
			f, ok := learnedFlow(t, r, w.hv, macB)
			switch {
			case !ok:
				w.goneAft = time.Since(silent)
				pending--
			case w.first == 0:
				w.first = f.Packets
			case f.Packets > w.first:
				w.hit = true
			}
		}
		if _, ok := learnedFlow(t, r, "hv2", macA); !ok {
			t.Fatalf("hv2 forgot a after %v although a sends 10 frames a second", time.Since(silent).Round(time.Millisecond))
		}
		time.Sleep(100 * time.Millisecond) // polling interval
	}
	for _, w := range ws {
		t.Logf("%s: b's entry went %v after b went silent (mac_ageing %v)", w.hv, w.goneAft.Round(10*time.Millisecond), ageing)
		if w.goneAft < ageing-time.Second {
			t.Errorf("%s: b's entry went %v after b went silent, before mac_ageing %v", w.hv, w.goneAft, ageing)
		}
		if !w.hit {
			t.Errorf("%s: b's entry counted no frames from a before it went; the test sent none towards it", w.hv)
		}
	}
	// a keeps speaking: its entry on hv2 outlives mac_ageing many times over.
	for end := silent.Add(3 * ageing); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		if _, ok := learnedFlow(t, r, "hv2", macA); !ok {
			t.Fatalf("hv2 forgot a after %v although a sends 10 frames a second (mac_ageing %v)", time.Since(silent).Round(time.Millisecond), ageing)
		}
	}
	f, _ := learnedFlow(t, r, "hv2", macA)
	if f.Duration < 2*ageing {
		t.Errorf("a's entry on hv2 is %v old, want more than %v: it was learned again rather than kept", f.Duration, 2*ageing)
	}
}

// TestDeletedPortTakesItsMACs: deleting a VM's port from the overlay bridge
// removes the MACs learned on it within a second, and nothing else.
func TestDeletedPortTakesItsMACs(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	const macA, macB, macC = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:0c"
	mustPing(t, r, "a", "192.168.10.2", 2)
	mustPing(t, r, "c", "192.168.10.2", 2)
	checkMACs(t, r, "hv2", macEntry{10, macA, "10.0.0.1"}, macEntry{10, macB, "local"}, macEntry{10, macC, "10.0.0.3"})
	// b keeps sending until its port goes.
	pingForever(t, r, "b", "192.168.10.1")
	if _, err := r.OVS["hv2"].Vsctl(ctxT(t, 10*time.Second), "del-port", "br-int", "b"); err != nil {
		t.Fatal(err)
	}
	deleted := time.Now()
	for {
		if _, ok := learnedFlow(t, r, "hv2", macB); !ok {
			break
		}
		if time.Since(deleted) > time.Second {
			t.Fatalf("hv2 still has b's entry %v after its port was deleted", time.Since(deleted).Round(time.Millisecond))
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
	t.Logf("b's entry went %v after its port was deleted", time.Since(deleted).Round(time.Millisecond))
	// It stays gone over several revalidator rounds (OVS replays learn
	// actions of datapath flows that saw packets), and the others stay.
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		if f, ok := learnedFlow(t, r, "hv2", macB); ok {
			t.Fatalf("b's entry came back %v after its port was deleted: %s", time.Since(deleted).Round(time.Millisecond), f.Key())
		}
	}
	checkMACs(t, r, "hv2", macEntry{10, macA, "10.0.0.1"}, macEntry{10, macC, "10.0.0.3"})
	log, err := r.Exec(ctxT(t, 10*time.Second), "hv2", "cat", r.NodeDir("hv2")+"/vtepd.log")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log, "forgot the deleted port's learned MACs") {
		t.Errorf("vtepd on hv2 did not log forgetting b's MACs")
	}
}

// TestMovedMACMovesOnFirstFrame: b's MAC, learned on hv1 behind hv2, shows
// up on hv3 (b stops, c takes its MAC): one broadcast from there moves hv1's
// entry at once, long before mac_ageing.
func TestMovedMACMovesOnFirstFrame(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	const macA, macB = "02:00:00:00:00:0a", "02:00:00:00:00:0b"
	mustPing(t, r, "b", "192.168.10.1", 3)
	checkMACs(t, r, "hv1", macEntry{10, macA, "local"}, macEntry{10, macB, "10.0.0.2"})
	mustExec(t, r, "b", "ip", "link", "set", "eth0", "down")
	mustExec(t, r, "c", "ip", "link", "set", "eth0", "address", macB)
	// One ARP request, broadcast: the answer cannot come back, b is down.
	_, _ = r.Exec(ctxT(t, 10*time.Second), "c", "arping", "-c", "1", "-w", "1", "-I", "eth0", "192.168.10.1")
	sent := time.Now()
	for {
		if f, ok := learnedFlow(t, r, "hv1", macB); ok && strings.Contains(f.Actions, "load:0xa000003->NXM_NX_REG2[]") {
			break
		}
		if time.Since(sent) > time.Second {
			checkMACs(t, r, "hv1", macEntry{10, macA, "local"}, macEntry{10, macB, "10.0.0.3"})
			t.Fatalf("hv1 did not move b's MAC to 10.0.0.3 within 1s of one frame from there")
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
	checkMACs(t, r, "hv1", macEntry{10, macA, "local"}, macEntry{10, macB, "10.0.0.3"})
	if f, ok := learnedFlow(t, r, "hv3", macB); !ok || f.Cookie.Feature() != pipeline.FeatureLearnedLocal {
		t.Errorf("hv3 did not learn b's MAC on its local port: %+v", f)
	}
}
