package agent

import (
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
		{2 * time.Second, 200 * time.Millisecond, 0.1, 1800 * time.Millisecond},
		{2 * time.Second, 300 * time.Millisecond, 0.1, 2700 * time.Millisecond},
	} {
		if got := pacedWait(c.period, c.took, c.share); got != c.want {
			t.Errorf("pacedWait(%v, %v, %v) = %v, want %v", c.period, c.took, c.share, got, c.want)
		}
	}
}
