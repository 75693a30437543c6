package agent

import (
	"context"
	"testing"
	"time"
)

// TestPacedWait: a short call keeps the period; a long one is followed by
// rest times its duration.
func TestPacedWait(t *testing.T) {
	ms := time.Millisecond
	for _, tt := range []struct{ took, want time.Duration }{
		{0, 500 * ms},
		{1 * ms, 499 * ms},
		{125 * ms, 375 * ms},
		{200 * ms, 600 * ms},
		{800 * ms, 2400 * ms},
	} {
		if got := pacedWait(500*ms, 3, tt.took); got != tt.want {
			t.Errorf("pacedWait(500ms, 3, %v) = %v, want %v", tt.took, got, tt.want)
		}
	}
}

// TestPacedRests: calls that take longer than the period are not run back
// to back: between the starts of two calls lie the call and three times
// its duration.
func TestPacedRests(t *testing.T) {
	const took = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var starts []time.Time
	done := make(chan struct{})
	go func() {
		defer close(done)
		paced(ctx, time.Millisecond, 3, func() {
			starts = append(starts, time.Now())
			if len(starts) == 3 {
				cancel()
			}
			time.Sleep(took) // the call's own duration, not a synchronisation
		})
	}()
	<-done
	if len(starts) != 3 {
		t.Fatalf("%d calls, want 3", len(starts))
	}
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap < 4*took {
			t.Errorf("call %d started %v after the one before, want %v or more", i, gap, 4*took)
		}
	}
}
