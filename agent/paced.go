package agent

import (
	"context"
	"time"
)

// readShare is the largest share of the time a periodic read of the
// learned MAC table may take: the MAC-flap watcher and the remote VTEP
// keeper wait at least (1-readShare)/readShare times their last read's
// duration between reads (9 times), which also keeps the other reads of
// the overlay bridge (vtepctl macs, dump-flows) from waiting behind them. ovs-vswitchd serves such reads on its main thread, which
// in the userspace datapath also forwards every non-PMD port's frames;
// with 100,000 learned entries a read takes about a second, and reading at
// the fixed period kept that thread busy a quarter of the time while
// nothing happened (BenchmarkIdleLoad). At 100,000 MACs the flap watcher
// then reads about every 10 s, often enough for MAC-flap detection's
// default of 5 moves in 180 s to catch a MAC that flaps every second.
const readShare = 0.1

// pacedWait is how long to wait after a run that took took before the
// next: the rest of period, or long enough that runs take at most share of
// the time, whichever is longer.
func pacedWait(period, took time.Duration, share float64) time.Duration {
	wait := period - took
	if byShare := time.Duration(float64(took) * (1 - share) / share); byShare > wait {
		wait = byShare
	}
	return max(wait, 0)
}

// paced runs f every period, stretched by pacedWait when f is slow, until
// ctx ends.
func paced(ctx context.Context, period time.Duration, share float64, f func()) {
	t := time.NewTimer(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			start := time.Now()
			f()
			t.Reset(pacedWait(period, time.Since(start), share))
		}
	}
}
