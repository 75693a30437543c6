package agent

import (
	"context"
	"testing"
	"time"
)

// TestPacedWait: a quick run keeps the period; a slow one stretches the
// wait so that runs take at most the share of the time; a run longer than
// the period never gives a negative wait.
func TestPacedWait(t *testing.T) {
	for _, c := range []struct {
		period, took time.Duration
		share        float64
		want         time.Duration
	}{
		{500 * time.Millisecond, 10 * time.Millisecond, 0.05, 490 * time.Millisecond},
		{500 * time.Millisecond, 0, 0.05, 500 * time.Millisecond},
		{500 * time.Millisecond, time.Second, 0.05, 19 * time.Second},
		{500 * time.Millisecond, time.Second, 0.1, 9 * time.Second},
		{2 * time.Second, 200 * time.Millisecond, 0.1, 1800 * time.Millisecond},
		{2 * time.Second, 300 * time.Millisecond, 0.1, 2700 * time.Millisecond},
	} {
		if got := pacedWait(c.period, c.took, c.share); got != c.want {
			t.Errorf("pacedWait(%v, %v, %v) = %v, want %v", c.period, c.took, c.share, got, c.want)
		}
	}
}

// TestPacedRests: calls that take longer than the period are not run back
// to back: with a share of a quarter, between the starts of two calls lie
// the call and three times its duration.
func TestPacedRests(t *testing.T) {
	const took = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var starts []time.Time
	done := make(chan struct{})
	go func() {
		defer close(done)
		paced(ctx, time.Millisecond, 0.25, func() {
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
