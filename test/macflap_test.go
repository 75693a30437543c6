package test

import (
	"testing"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// flapMAC is the MAC two VMs of hv1 take in turn.
const flapMAC = "02:00:00:00:00:f1"

// speakAs makes a VM send one gratuitous ARP from flapMAC (arping waits a
// second for answers that cannot come).
func speakAs(t testing.TB, r *labs.Running, vm string) {
	t.Helper()
	_, _ = r.Exec(ctxT(t, 10*time.Second), vm, "arping", "-U", "-c", "1", "-I", "eth0", "192.168.10.99")
}

// flapLab is figure 4's first two hypervisors and VMs, and two VMs p and
// q on hv1, p with flapMAC, all in VNI 10.
func flapLab(t *testing.T) *labs.Running {
	t.Helper()
	return upLab(t, "../labs/figure4.yaml", func(f *labs.File) {
		f.Hypervisors = f.Hypervisors[:2]
		f.VMs = append(f.VMs[:2],
			labs.FileVM{Name: "p", Hypervisor: "hv1", MAC: flapMAC, IP: "192.168.10.21/24", VLAN: 1, Tagged: true},
			labs.FileVM{Name: "q", Hypervisor: "hv1", MAC: "02:00:00:00:00:f2", IP: "192.168.10.22/24", VLAN: 1, Tagged: true})
	})
}

// frozenEntry returns flapMAC's entry in hv1's MAC table.
func frozenEntry(t testing.TB, r *labs.Running) (api.MACEntry, bool) {
	t.Helper()
	ms, err := apiClient(r, "hv1").MACs(ctxT(t, 10*time.Second), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.MAC == flapMAC {
			return m, true
		}
	}
	return api.MACEntry{}, false
}

// featurePackets sums n_packets of hv1's overlay flows of one feature, and
// counts them.
func featurePackets(t testing.TB, r *labs.Running, f pipeline.Feature) (n int, packets uint64) {
	t.Helper()
	for _, fl := range flows(t, r, "hv1", "br-int") {
		if fl.Cookie.Feature() == f {
			n++
			packets += fl.Packets
		}
	}
	return n, packets
}

// TestMACFlapFrozenAndFlushed: two VMs on hv1, p and q, take the same MAC
// and speak in turn, 10 moves in about 10 s. With the default of 5 moves in
// 180 s hv1's vtepd freezes the MAC on the 5th move, on p (where it was
// first seen), flags it in its MAC table, counts it, and drops q's frames
// with it; the flush endpoint unfreezes it and q's next frame is learned
// again.
func TestMACFlapFrozenAndFlushed(t *testing.T) {
	r := flapLab(t)
	mustExec(t, r, "q", "ip", "link", "set", "eth0", "address", flapMAC)
	start := time.Now()
	speakAs(t, r, "p")
	frozenAt := 0
	for move := 1; move <= 10; move++ { // q, p, q, ...
		speakAs(t, r, []string{"p", "q"}[move%2])
		if frozenAt != 0 {
			continue // frozen: q's frames are dropped, p's are not learned
		}
		// wait until vtepd saw this move, or froze the MAC
		err := labs.WaitFor(ctxT(t, 5*time.Second), 50*time.Millisecond, func() (bool, error) {
			s := status(t, r, "hv1")
			return s.MACMoves >= uint64(move) || s.FrozenMACs > 0, nil
		})
		if err != nil {
			t.Fatalf("vtepd did not see move %d: %+v", move, status(t, r, "hv1"))
		}
		if status(t, r, "hv1").FrozenMACs > 0 {
			frozenAt = move
		}
	}
	t.Logf("10 moves took %s; frozen at move %d", time.Since(start).Round(time.Millisecond), frozenAt)
	if frozenAt != 5 {
		t.Errorf("frozen at move %d, want 5 (mac_flap.max_moves)", frozenAt)
	}
	err := labs.WaitFor(ctxT(t, 5*time.Second), 100*time.Millisecond, func() (bool, error) {
		e, ok := frozenEntry(t, r)
		return ok && e.Frozen, nil
	})
	e, _ := frozenEntry(t, r)
	if err != nil {
		t.Fatalf("%s not frozen after 10 moves: %+v", flapMAC, e)
	}
	if e.Remote || e.Port != "p" || e.FlappedWith == "" {
		t.Errorf("frozen entry %+v: want frozen on p (first seen), flapped with q", e)
	}
	s := status(t, r, "hv1")
	if s.MACFlaps != 1 || s.FrozenMACs != 1 || s.MACMoves != 5 {
		t.Errorf("status: mac_moves %d, mac_flaps %d, frozen_macs %d; want 5, 1 and 1", s.MACMoves, s.MACFlaps, s.FrozenMACs)
	}
	// q's frames with the MAC are dropped before learning
	_, before := featurePackets(t, r, pipeline.FeatureDropFrozenMAC)
	speakAs(t, r, "q")
	revalidated(t, r, "hv1")
	if n, after := featurePackets(t, r, pipeline.FeatureDropFrozenMAC); n != 2 || after <= before {
		t.Errorf("drop-frozen-mac: %d flows, %d packets (before q spoke: %d); want 2 flows counting q's frame", n, after, before)
	}
	if e, _ := frozenEntry(t, r); !e.Frozen || e.Port != "p" {
		t.Errorf("after q spoke: %+v, want still frozen on p", e)
	}

	res, err := apiClient(r, "hv1").FlushMAC(ctxT(t, 10*time.Second), api.FlushQuery{MAC: flapMAC})
	if err != nil || len(res.Unfrozen) != 1 {
		t.Fatalf("flush: %+v, %v", res, err)
	}
	err = labs.WaitFor(ctxT(t, 10*time.Second), 100*time.Millisecond, func() (bool, error) {
		n, _ := featurePackets(t, r, pipeline.FeatureFrozenMAC)
		return n == 0, nil
	})
	if err != nil {
		t.Fatalf("frozen-mac flows still installed after the flush: %v", err)
	}
	speakAs(t, r, "q")
	if e, ok := frozenEntry(t, r); !ok || e.Frozen || e.Port != "q" {
		t.Errorf("after the flush and one frame from q: %+v (found %v), want learned on q, not frozen", e, ok)
	}
	if s := status(t, r, "hv1"); s.FrozenMACs != 0 || s.MACFlaps != 1 {
		t.Errorf("status after flush: mac_flaps %d, frozen_macs %d; want 1 and 0", s.MACFlaps, s.FrozenMACs)
	}
}

// TestMACFlapFrozenAtLocalPortOverRemote: b on hv2 takes a's MAC, and b and
// a speak in turn, b first. hv1 sees the MAC flap between VTEP 10.0.0.2
// and its port a, and freezes it on a although the remote place came first:
// a local port is vouched for by the hypervisor, a VXLAN sender is not.
// hv2 freezes it on its own port b, for the same reason.
func TestMACFlapFrozenAtLocalPortOverRemote(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", func(f *labs.File) {
		f.Hypervisors = f.Hypervisors[:2]
		f.VMs = f.VMs[:2]
	})
	const macA = "02:00:00:00:00:0a"
	mustExec(t, r, "b", "ip", "link", "set", "eth0", "address", macA)
	entry := func(hv string) (api.MACEntry, bool) {
		ms, err := apiClient(r, hv).MACs(ctxT(t, 10*time.Second), 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.MAC == macA {
				return m, true
			}
		}
		return api.MACEntry{}, false
	}
	for i := range 8 { // b, a, b, ...: 7 moves on each VTEP
		speakAs(t, r, []string{"b", "a"}[i%2])
	}
	err := labs.WaitFor(ctxT(t, 5*time.Second), 100*time.Millisecond, func() (bool, error) {
		e1, _ := entry("hv1")
		e2, _ := entry("hv2")
		return e1.Frozen && e2.Frozen, nil
	})
	e1, _ := entry("hv1")
	e2, _ := entry("hv2")
	if err != nil {
		t.Fatalf("not frozen on both VTEPs: hv1 %+v, hv2 %+v", e1, e2)
	}
	if e1.Remote || e1.Port != "a" || e1.FlappedWith != "VTEP 10.0.0.2" {
		t.Errorf("hv1: %+v, want frozen on port a, flapped with VTEP 10.0.0.2", e1)
	}
	if e2.Remote || e2.Port != "b" || e2.FlappedWith != "VTEP 10.0.0.1" {
		t.Errorf("hv2: %+v, want frozen on port b, flapped with VTEP 10.0.0.1", e2)
	}
	// b's frames with a's MAC now stop in hv1's tunnel-in table
	var before uint64
	for _, f := range flows(t, r, "hv1", "br-int", "table=10") {
		if f.Cookie.Feature() == pipeline.FeatureDropFrozenMAC {
			before += f.Packets
		}
	}
	speakAs(t, r, "b")
	revalidated(t, r, "hv1")
	var after uint64
	for _, f := range flows(t, r, "hv1", "br-int", "table=10") {
		if f.Cookie.Feature() == pipeline.FeatureDropFrozenMAC {
			after += f.Packets
		}
	}
	if after <= before {
		t.Errorf("hv1 tunnel-in drop-frozen-mac counted %d packets, %d before b spoke; want more", after, before)
	}
	if e, _ := entry("hv1"); !e.Frozen || e.Remote {
		t.Errorf("hv1 after b spoke: %+v, want still frozen on a", e)
	}
}
