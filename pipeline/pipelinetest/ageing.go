package pipelinetest

import (
	"time"

	"github.com/vtep/vtep/ofapp"
)

// Ageing. The switch has a simulated clock that only Advance moves, and
// expires flows as OVS does:
//
//   - idle_timeout: removed when the flow has not matched a packet for that
//     long (a lookup refreshes it);
//   - hard_timeout: removed that long after the flow was added or last
//     modified. A learn action that adds a flow already present, with the
//     same result, refreshes it the same way (OVS sets the rule's modified
//     time, ofproto_flow_mod_learn_refresh), so a learned flow with a hard
//     timeout lives as long as the learn action keeps running for it, and
//     lookups do not keep it.
//
// Expiry is exact here; OVS checks about every 500 ms (each revalidator
// round) and refreshes learned flows from its datapath flow cache at the
// same pace, so on a real switch an entry may outlive its timeout by up to
// about a second.

// Now returns the simulated time since the switch was made.
func (s *Switch) Now() time.Duration { return s.now }

// Advance moves the simulated clock forward by d and removes the flows
// whose idle or hard timeout has passed. It returns how many it removed.
func (s *Switch) Advance(d time.Duration) int {
	s.now += d
	n := 0
	for id, t := range s.tables {
		kept := t[:0]
		for _, e := range t {
			if s.expired(e) {
				n++
				continue
			}
			kept = append(kept, e)
		}
		s.tables[id] = kept
	}
	return n
}

func (s *Switch) expired(e *entry) bool {
	if h := e.flow.HardTimeout; h != 0 && s.now > e.modified+time.Duration(h)*time.Second {
		return true
	}
	if i := e.flow.IdleTimeout; i != 0 && s.now > e.used+time.Duration(i)*time.Second {
		return true
	}
	return false
}

// Age returns how long ago the flow with this key was created (OpenFlow's
// duration: modifying or refreshing it keeps it), and false when there is
// no such flow.
func (s *Switch) Age(k ofapp.Key) (time.Duration, bool) {
	for _, e := range s.tables[k.Table] {
		if e.flow.Priority == k.Priority && e.key == k.Match {
			return s.now - e.created, true
		}
	}
	return 0, false
}
