package agent

import (
	"net/netip"
	"sync"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/macflap"
)

// moveClock dates the learned MACs' moves, for AGE in the learned table.
// A move rewrites the learned flow in place (same match, new loads), so its
// flow-stats duration keeps counting from when the MAC was first learned,
// wherever that was. The flap watcher's pass reads table mac every
// flapPeriod and feeds the places here; a MAC seen at a new place is dated
// by that pass, so its age is the smaller of the flow's duration and the
// time since the move was seen (late by at most one period: the move
// happened between two passes).
type moveClock struct {
	mu     sync.Mutex
	last   time.Time // the last observation; zero before the first
	places map[macflap.Key]placeSince
}

// placeSince is where a MAC was last seen and since when (zero: since
// before its first observation, when the flow's duration is the age).
type placeSince struct {
	at    macflap.Place
	since time.Time
}

func newMoveClock() *moveClock { return &moveClock{places: map[macflap.Key]placeSince{}} }

// observe takes one reading of every learned MAC's place at now. A MAC not
// in seen has no learned flow: forgotten, so a new flow for it (whose
// duration starts afresh) is not dated by an old move.
func (c *moveClock) observe(now time.Time, seen map[macflap.Key]macflap.Place) {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := make(map[macflap.Key]placeSince, len(seen))
	for k, p := range seen {
		prev, ok := c.places[k]
		switch {
		case ok && prev.at == p:
			next[k] = prev
		case ok: // moved in place: the flow's duration runs on
			next[k] = placeSince{at: p, since: now}
		default: // a new flow, whose duration is its age
			next[k] = placeSince{at: p}
		}
	}
	c.places, c.last = next, now
}

// age is the age at now of k's entry at place at whose flow has lived d:
// d, unless the MAC was seen arriving there later, or is at a place the
// last reading did not see it at (it moved since, so less than the time
// since that reading).
func (c *moveClock) age(k macflap.Key, at macflap.Place, d time.Duration, now time.Time) time.Duration {
	if c == nil {
		return d
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var since time.Time
	if ps, ok := c.places[k]; ok && ps.at == at {
		since = ps.since
	} else if !c.last.IsZero() {
		since = c.last
	}
	if since.IsZero() {
		return d
	}
	return max(0, min(d, now.Sub(since)))
}

// size is the number of MACs the last reading saw (0 without a watcher).
func (c *moveClock) size() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.places)
}

// placeOf is the place of a decoded learned entry, as learnedPlaces
// reports it to the flap detector.
func placeOf(e api.MACEntry) macflap.Place {
	p := macflap.Place{Port: e.OFPort}
	if e.Remote {
		p.VTEP, _ = netip.ParseAddr(e.VTEP)
		if !p.VTEP.IsValid() {
			p.VTEP = netip.IPv4Unspecified()
		}
	}
	return p
}

// moveClock returns the watcher's move dates (nil when there is no watcher:
// ages are then the flows' durations).
func (w *flapWatcher) moveClock() *moveClock {
	if w == nil {
		return nil
	}
	return w.clock
}
