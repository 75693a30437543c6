package agent

import (
	"net/netip"
	"testing"
	"time"

	"github.com/vtep/vtep/macflap"
)

// TestMoveClockAge feeds readings of table mac: a MAC's age is its flow's
// duration until it moves, then the time since the reading that saw it
// at the new place (or, when it moved after the last reading, at most the
// time since that reading); a MAC relearned after its flow went is aged
// by its new flow.
func TestMoveClockAge(t *testing.T) {
	k := macflap.Key{VNI: 10, MAC: "02:00:00:00:00:0a"}
	port3 := macflap.Place{Port: 3}
	vtep2 := macflap.Place{Port: 1, VTEP: netip.MustParseAddr("10.0.0.2")}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newMoveClock()
	if got := c.age(k, port3, 5*time.Minute, t0); got != 5*time.Minute {
		t.Errorf("before any reading: age %v, want the flow's 5m0s", got)
	}
	c.observe(t0, map[macflap.Key]macflap.Place{k: port3})
	if got := c.age(k, port3, 5*time.Minute, t0.Add(time.Second)); got != 5*time.Minute {
		t.Errorf("not moved: age %v, want the flow's 5m0s", got)
	}
	// It moved to 10.0.0.2 after the t0 reading, before the next one.
	if got := c.age(k, vtep2, 5*time.Minute, t0.Add(300*time.Millisecond)); got != 300*time.Millisecond {
		t.Errorf("moved since the last reading: age %v, want 300ms", got)
	}
	t1 := t0.Add(500 * time.Millisecond)
	c.observe(t1, map[macflap.Key]macflap.Place{k: vtep2})
	if got := c.age(k, vtep2, 5*time.Minute, t1.Add(7*time.Second)); got != 7*time.Second {
		t.Errorf("7s after the move was seen: age %v, want 7s", got)
	}
	c.observe(t1.Add(time.Second), map[macflap.Key]macflap.Place{k: vtep2})
	if got := c.age(k, vtep2, 5*time.Minute, t1.Add(9*time.Second)); got != 9*time.Second {
		t.Errorf("still there: age %v, want 9s (the move is kept)", got)
	}
	// Its flow went (aged out); relearned at the old place, the new
	// flow's duration is the age.
	c.observe(t1.Add(2*time.Second), map[macflap.Key]macflap.Place{})
	c.observe(t1.Add(3*time.Second), map[macflap.Key]macflap.Place{k: port3})
	if got := c.age(k, port3, 2*time.Second, t1.Add(4*time.Second)); got != 2*time.Second {
		t.Errorf("relearned: age %v, want the new flow's 2s", got)
	}
	var none *moveClock
	if got := none.age(k, port3, time.Minute, t0); got != time.Minute {
		t.Errorf("no clock: age %v, want the flow's 1m0s", got)
	}
}
