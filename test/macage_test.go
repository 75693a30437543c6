package test

import (
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
)

// TestMACAgeRestartsOnMove: b's MAC, learned on hv1 behind hv2 a few seconds
// ago, moves to hv3 (b stops, c takes its MAC and announces it). OVS
// rewrites hv1's learned flow in place, so its duration runs on; vtepctl
// macs' AGE restarts at the move.
func TestMACAgeRestartsOnMove(t *testing.T) {
	const mac, hv3 = "02:00:00:00:00:0b", "10.0.0.3"
	r := upLab(t, "../labs/figure4.yaml", nil)
	mustPing(t, r, "b", "192.168.10.1", 2)
	const lived = 4 * time.Second
	err := labs.WaitFor(ctxT(t, 20*time.Second), 200*time.Millisecond, func() (bool, error) {
		f, ok := learnedFlow(t, r, "hv1", mac)
		return ok && f.Duration >= lived, nil
	})
	if err != nil {
		t.Fatalf("hv1's entry of %s did not live %v: %v", mac, lived, err)
	}
	revalidated(t, r, "hv1")
	announce(t, r, "b", "c", mac)
	err = labs.WaitFor(ctxT(t, 10*time.Second), 50*time.Millisecond, func() (bool, error) {
		return remoteVTEP(t, r, "hv1", mac) == hv3, nil
	})
	if err != nil {
		t.Fatalf("hv1 did not move %s to hv3: %v", mac, err)
	}
	f, _ := learnedFlow(t, r, "hv1", mac)
	ms, err := apiClient(r, "hv1").MACs(ctxT(t, 10*time.Second), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ms {
		if !strings.EqualFold(e.MAC, mac) {
			continue
		}
		age := time.Duration(e.Age * float64(time.Second))
		t.Logf("after the move: flow duration %v, AGE %v, VTEP %s", f.Duration, age, e.VTEP)
		if e.VTEP != hv3 {
			t.Errorf("vtepctl macs has %s behind %s, want %s", mac, e.VTEP, hv3)
		}
		if age > 3*time.Second || (f.Duration >= lived && age >= f.Duration) {
			t.Errorf("AGE %v after the move (flow duration %v), want it restarted at the move", age, f.Duration)
		}
		return
	}
	t.Errorf("vtepctl macs on hv1 has no %s: %+v", mac, ms)
}
