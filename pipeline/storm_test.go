package pipeline

import (
	"errors"
	"testing"

	"github.com/vtep/vtep/ofapp"
)

// TestBUMMeter: a network with a BUM rate gets a meter (id = VNI) on its
// flood flows for frames from local ports only (one per port); a network without one gets
// none, and no other flow uses a meter.
func TestBUMMeter(t *testing.T) {
	for _, mode := range []floodMode{multicast, replication} {
		n10 := vniNet(10, 1, "239.1.1.1")
		n10.BUMPPS = 500
		n20 := vniNet(20, 2, "239.1.1.2")
		r := mustBuild(t, testState(testConfig(t, mode, n10, n20),
			Port{Name: "a", OFPort: vm1, Tag: 1}, Port{Name: "b", OFPort: vm2, Tag: 2}))
		want := []ofapp.MeterEntry{{ID: 10, PPS: 500, Burst: 50}}
		if len(r.Meters) != 1 || r.Meters[0] != want[0] {
			t.Fatalf("mode %v: Meters = %v, want %v", mode, r.Meters, want)
		}
		metered := 0
		for _, f := range r.Overlay {
			if f.Meter == 0 {
				continue
			}
			metered++
			c := Cookie(f.Cookie)
			if f.Table != TableFlood || c.VNI() != 10 || f.Meter != 10 || f.Match.String() != "in_port=2,reg0=0xa/0xffffff,reg1=0x0/0x1" {
				t.Errorf("mode %v: metered flow %s", mode, f)
			}
		}
		if metered != 1 {
			t.Errorf("mode %v: %d metered flows, want 1", mode, metered)
		}
		for _, f := range r.Underlay {
			if f.Meter != 0 {
				t.Errorf("underlay flow %s uses a meter", f)
			}
		}
	}
}

func TestBUMBurst(t *testing.T) {
	for pps, want := range map[uint32]uint32{1: 10, 100: 10, 500: 50, 100000: 10000} {
		if got := BUMBurst(pps); got != want {
			t.Errorf("BUMBurst(%d) = %d, want %d", pps, got, want)
		}
	}
}

// TestCheckerMeters: a flow may only use a built meter, in a table that
// allows meters.
func TestCheckerMeters(t *testing.T) {
	c := NewChecker(Tables(), nil)
	c.AllowMeters([]ofapp.MeterEntry{{ID: 10, PPS: 1, Burst: 10}})
	flood := flow(TableFlood, prioNormal, FeatureFlood, 10, ofapp.Match{matchVNI(10)}, nil, 0)
	flood.Meter = 10
	if err := c.Check(Seal(flood)); err != nil {
		t.Errorf("built meter refused: %v", err)
	}
	flood.Meter, flood.Priority = 11, prioHigh
	if err := c.Check(Seal(flood)); !errors.Is(err, ErrMeter) {
		t.Errorf("meter not built: %v, want ErrMeter", err)
	}
	mac := flow(TableMAC, prioDefault, FeatureMACMiss, 0, nil, nil, 0)
	mac.Meter = 10
	if err := c.Check(Seal(mac)); !errors.Is(err, ErrMeter) {
		t.Errorf("meter in the mac table: %v, want ErrMeter", err)
	}
}
