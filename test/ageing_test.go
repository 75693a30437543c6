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

// TestPortDeletedWhileVtepdDownTakesItsMACs: a port deleted while its
// hypervisor's vtepd is stopped sends no PORT_STATUS vtepd sees; when vtepd
// is back and the bridge connects, the port's MACs go all the same.
func TestPortDeletedWhileVtepdDownTakesItsMACs(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	const macA, macB, macC = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:0c"
	mustPing(t, r, "a", "192.168.10.2", 2)
	mustPing(t, r, "c", "192.168.10.2", 2)
	checkMACs(t, r, "hv2", macEntry{10, macA, "10.0.0.1"}, macEntry{10, macB, "local"}, macEntry{10, macC, "10.0.0.3"})
	if err := r.Vtepds["hv2"].Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.OVS["hv2"].Vsctl(ctxT(t, 10*time.Second), "del-port", "br-int", "b"); err != nil {
		t.Fatal(err)
	}
	if _, ok := learnedFlow(t, r, "hv2", macB); !ok {
		t.Fatalf("b's entry went with vtepd stopped: nothing left for vtepd to do")
	}
	d, err := r.StartDaemon(ctxT(t, 10*time.Second), "hv2", vtepdBin, "-config", r.NodeDir("hv2")+"/vtepd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r.Vtepds["hv2"] = d
	if err := r.WaitProgrammed(ctxT(t, time.Minute), "hv2"); err != nil {
		t.Fatal(err)
	}
	err = labs.WaitFor(ctxT(t, 5*time.Second), 50*time.Millisecond, func() (bool, error) {
		_, ok := learnedFlow(t, r, "hv2", macB)
		return !ok, nil
	})
	if err != nil {
		t.Fatalf("b's entry still on hv2 after vtepd came back: %v", err)
	}
	checkMACs(t, r, "hv2", macEntry{10, macA, "10.0.0.1"}, macEntry{10, macC, "10.0.0.3"})
}

// revalidated waits until a hypervisor's OVS has accounted every frame it
// forwarded so far: two full revalidator rounds (one may have begun before).
func revalidated(t testing.TB, r *labs.Running, hv string) {
	t.Helper()
	for range 2 {
		if _, err := r.OVS[hv].Appctl(ctxT(t, 10*time.Second), "revalidator/wait"); err != nil {
			t.Fatal(err)
		}
	}
}

// announce makes VM from take mac and send one gratuitous ARP (as a migrated
// VM announces itself), after VM old, which had mac, spoke and stopped.
func announce(t testing.TB, r *labs.Running, old, from, mac string) time.Time {
	t.Helper()
	mustExec(t, r, old, "ip", "link", "set", "eth0", "down")
	mustExec(t, r, from, "ip", "link", "set", "eth0", "address", mac)
	sent := time.Now()
	// arping waits a second for answers that cannot come.
	_, _ = r.Exec(ctxT(t, 10*time.Second), from, "arping", "-U", "-c", "1", "-I", "eth0", "192.168.10.3")
	return sent
}

// remoteVTEP returns the VTEP a hypervisor's learned entry of mac points to
// ("" when there is no entry, "local" for a local one).
func remoteVTEP(t testing.TB, r *labs.Running, hv, mac string) string {
	t.Helper()
	f, ok := learnedFlow(t, r, hv, mac)
	if !ok {
		return ""
	}
	l, err := pipeline.DecodeLearned(f.Learned())
	if err != nil {
		t.Fatalf("%s: learned flow %s: %v", hv, f.Key(), err)
	}
	if !l.Remote {
		return "local"
	}
	return l.VTEP.String()
}

// TestMovedMACMovesOnFirstFrame: b's MAC, learned on hv1 behind hv2, shows
// up on hv3 (b stops, c takes its MAC and announces it once): that one frame
// moves hv1's entry, long before mac_ageing.
//
// OVS 3.1 puts the entry back at its old place when the old place's last
// frames are accounted (by a revalidator round, every 500 ms) after the
// move: then the MAC's next frame from the new place moves it for good. The
// second case checks that bound.
func TestMovedMACMovesOnFirstFrame(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	const hv2, hv3 = "10.0.0.2", "10.0.0.3"
	for _, tt := range []struct {
		mac     string
		settled bool // hv1 accounted b's frames before c's
	}{{"02:00:00:00:00:0b", true}, {"02:00:00:00:0b:02", false}} {
		mustExec(t, r, "b", "ip", "link", "set", "eth0", "address", tt.mac, "up")
		mustExec(t, r, "b", "ip", "neigh", "flush", "dev", "eth0")
		mustPing(t, r, "b", "192.168.10.1", 3)
		if got := remoteVTEP(t, r, "hv1", tt.mac); got != hv2 {
			t.Fatalf("hv1 has %s behind %q, want %s (hv2)", tt.mac, got, hv2)
		}
		if tt.settled {
			revalidated(t, r, "hv1")
		}
		sent := announce(t, r, "b", "c", tt.mac)
		if tt.settled {
			for remoteVTEP(t, r, "hv1", tt.mac) != hv3 {
				if time.Since(sent) > 2*time.Second {
					t.Fatalf("hv1 did not move %s to hv3 within 2s of one frame from there (arping takes 1s)", tt.mac)
				}
				time.Sleep(20 * time.Millisecond) // polling interval
			}
		}
		revalidated(t, r, "hv1")
		got := remoteVTEP(t, r, "hv1", tt.mac)
		if tt.settled && got != hv3 {
			t.Errorf("hv1 moved %s back to %s", tt.mac, got)
		}
		if !tt.settled {
			t.Logf("%s right after b: after c's first frame hv1 has it behind %s", tt.mac, got)
			announce(t, r, "b", "c", tt.mac)
			revalidated(t, r, "hv1")
			if got := remoteVTEP(t, r, "hv1", tt.mac); got != hv3 {
				t.Errorf("after c's second frame hv1 has %s behind %s, want %s (hv3)", tt.mac, got, hv3)
			}
		}
		if f, ok := learnedFlow(t, r, "hv3", tt.mac); !ok || f.Cookie.Feature() != pipeline.FeatureLearnedLocal {
			t.Errorf("hv3 did not learn %s on its local port: %+v", tt.mac, f)
		}
	}
}
