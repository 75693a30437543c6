package test

import (
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
)

// learnedIn counts a hypervisor's learned MACs in a VNI.
func learnedIn(t testing.TB, r *labs.Running, hv string, vni uint32) int {
	n := 0
	for _, e := range macTable(t, r, hv) {
		if e.VNI == vni {
			n++
		}
	}
	return n
}

// TestMACLimitBoundsLearning runs labs/figure4.yaml with max_macs 100: VM
// a sends 2,000 frames from random source MACs at about 4,000 a second.
// hv1 learns 100 MACs on a's port and hv2 and hv3 100 behind remote VTEPs
// (the limit counts per learned cookie: a port's local MACs, a VNI's
// remote ones), the refused frames are counted (mac-limit), and MACs
// learned before keep working: b pings c during the flood without loss,
// a and b ping afterwards.
func TestMACLimitBoundsLearning(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", func(f *labs.File) { f.VTEP.MaxMACs = 100 })
	mustPing(t, r, "a", "192.168.10.2", 2)
	mustPing(t, r, "b", "192.168.10.3", 2)
	rng := rand.New(rand.NewPCG(7, 7))
	bcast := net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	const n = 2000
	frames := make([][]byte, 0, n)
	for range n {
		src := net.HardwareAddr{0x02, byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))}
		frames = append(frames, ethernet(t, src, bcast))
	}
	pinged := make(chan error, 1)
	go func() { pinged <- ping(t, r, "b", "192.168.10.3", 5) }()
	start := time.Now()
	sendPaced(t, r, "a", "eth0", frames, 4000)
	sent := time.Since(start)
	waitLearningPaused(t, r)
	// Wait until hv1 has handled the burst: learned plus refused frames stop growing.
	var refused uint64
	err := labs.WaitFor(ctxT(t, 20*time.Second), 500*time.Millisecond, func() (bool, error) {
		prev := refused
		refused = notLearned(t, r, "hv1")
		return refused > 0 && refused == prev, nil
	})
	if err != nil {
		t.Fatalf("hv1 counted no refused frames: %v", err)
	}
	// hv1: local MACs (all on a's port); hv2, hv3: remote MACs (a's, c's or b's).
	local := map[string]bool{"hv1": true, "hv2": false, "hv3": false}
	for hv, wantLocal := range local {
		got := 0
		for _, e := range macTable(t, r, hv) {
			if e.VNI == 10 && (e.VTEP == "local") == wantLocal {
				got++
			}
		}
		t.Logf("%s: %d MACs learned in VNI 10 (local: %v), %d in all", hv, got, wantLocal, learnedIn(t, r, hv, 10))
		if got != 100 {
			t.Errorf("%s learned %d MACs (local: %v) in VNI 10 after %d random sources, want 100 (max_macs)", hv, got, wantLocal, n)
		}
	}
	if refused < n-200 {
		t.Errorf("hv1 counted %d refused frames, want at least %d", refused, n-200)
	}
	t.Logf("sent %d frames in %v; hv1 refused %d", n, sent, refused)
	if err := <-pinged; err != nil {
		t.Errorf("b -> c during the flood: %v", err)
	}
	mustPing(t, r, "a", "192.168.10.2", 5)
	mustPing(t, r, "b", "192.168.10.3", 5)
	checkNoPacketIns(t, r)
	// vtepd reads its learn actions with limits back on every reconcile
	checkHealthy(t, r)
}

// waitLearningPaused waits until vtepctl status shows the pauses the
// flood from a (on hv1) started: a's port on hv1, hv1 on hv2 and hv3. They
// last 10 s from the burst of refusals that started them, so they are
// looked for at once.
func waitLearningPaused(t *testing.T, r *labs.Running) {
	t.Helper()
	want := map[string]string{"hv1": "port ", "hv2": "vtep 10.0.0.1", "hv3": "vtep 10.0.0.1"}
	got := map[string][]string{}
	err := labs.WaitFor(ctxT(t, 8*time.Second), 100*time.Millisecond, func() (bool, error) {
		done := true
		for hv, place := range want {
			got[hv] = nil
			for _, n := range status(t, r, hv).Networks {
				if n.VNI == 10 {
					got[hv] = n.LearningPaused
				}
			}
			done = done && len(got[hv]) == 1 && strings.HasPrefix(got[hv][0], place)
		}
		return done, nil
	})
	if err != nil {
		t.Errorf("status shows learning paused in VNI 10 at %v, want %v", got, want)
	}
}
