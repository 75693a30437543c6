// Package macflap detects MACs that flap: that move between places of
// their VNI (local ports, remote VTEPs) too often. It is a pure state
// machine: Observe takes where each learned MAC is at a given time and
// returns what moved and what froze; nothing here reads a switch.
//
// A MAC that moves MaxMoves times within Window is frozen (as FRR's
// duplicate address detection: 5 moves in 180 s by default) until
// Unfreeze. The place it is frozen at is chosen by FreezePlace.
package macflap

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"
)

// Key names a MAC in one VNI. MAC is the canonical lower-case text
// (net.HardwareAddr.String).
type Key struct {
	VNI uint32
	MAC string
}

// Place is where a MAC is learned: a local port (VTEP invalid) or a remote
// VTEP (VTEP set; Port is then the tunnel port and does not tell places
// apart).
type Place struct {
	Port uint32
	VTEP netip.Addr
}

// Local reports whether the place is a local port.
func (p Place) Local() bool { return !p.VTEP.IsValid() }

// Same reports whether p and q are the same place.
func (p Place) Same(q Place) bool {
	if p.Local() != q.Local() {
		return false
	}
	if p.Local() {
		return p.Port == q.Port
	}
	return p.VTEP == q.VTEP
}

// String prints "port N" or "VTEP A".
func (p Place) String() string {
	if p.Local() {
		return fmt.Sprintf("port %d", p.Port)
	}
	return "VTEP " + p.VTEP.String()
}

// Config is the detection threshold: MaxMoves moves within Window freeze
// a MAC; MaxMoves 0 turns detection off.
type Config struct {
	MaxMoves int
	Window   time.Duration
}

// Move is one observed move of a MAC.
type Move struct {
	Key      Key
	From, To Place
	At       time.Time
}

// Frozen is a frozen MAC: where it is held, the other place it flapped
// with, and the moves that froze it.
type Frozen struct {
	Key   Key
	At    Place
	Other Place
	Moves int
	Since time.Time
}

// history is what the detector keeps per MAC.
type history struct {
	place Place
	seen  time.Time
	moves []Move // within the window, oldest first
}

// Detector is the state machine. The zero value is not usable; use New.
type Detector struct {
	macs   map[Key]*history
	frozen map[Key]Frozen
}

// New returns a detector that has seen nothing.
func New() *Detector {
	return &Detector{macs: map[Key]*history{}, frozen: map[Key]Frozen{}}
}

// Observe records where each learned MAC is at now and returns the moves
// since the last observation and the MACs that froze because of them.
// Frozen MACs are not tracked until unfrozen. A MAC absent from seen keeps
// its last place for Window (an entry that aged out and comes back
// elsewhere has moved); after that it is forgotten.
func (d *Detector) Observe(now time.Time, seen map[Key]Place, cfg Config) (moves []Move, frozen []Frozen) {
	for _, k := range slices.SortedFunc(maps.Keys(seen), compareKeys) {
		if _, ok := d.frozen[k]; ok {
			continue
		}
		p := seen[k]
		h, ok := d.macs[k]
		if !ok {
			d.macs[k] = &history{place: p, seen: now}
			continue
		}
		h.seen = now
		h.moves = slices.DeleteFunc(h.moves, func(m Move) bool { return now.Sub(m.At) >= cfg.Window })
		if h.place.Same(p) {
			continue
		}
		m := Move{Key: k, From: h.place, To: p, At: now}
		h.place = p
		h.moves = append(h.moves, m)
		moves = append(moves, m)
		if cfg.MaxMoves > 0 && len(h.moves) >= cfg.MaxMoves {
			f := freeze(k, h.moves, now)
			d.frozen[k] = f
			delete(d.macs, k)
			frozen = append(frozen, f)
		}
	}
	for k, h := range d.macs {
		if now.Sub(h.seen) >= cfg.Window {
			delete(d.macs, k)
		}
	}
	return moves, frozen
}

// FreezePlace chooses where a flapping MAC is held, from its moves in the
// window (oldest first): the first local port among its places, since a
// local port is vouched for by this hypervisor while any host on the
// underlay can send VXLAN claiming a MAC; failing that, the place it was
// at before the moves began (the incumbent; the newcomer is the likelier
// impostor or loop). It also returns the most recent other place.
func FreezePlace(moves []Move) (at, other Place) {
	places := []Place{moves[0].From}
	for _, m := range moves {
		places = append(places, m.To)
	}
	at = places[0]
	if i := slices.IndexFunc(places, Place.Local); i >= 0 {
		at = places[i]
	}
	for i := len(places) - 1; i >= 0; i-- {
		if !places[i].Same(at) {
			return at, places[i]
		}
	}
	return at, at
}

func freeze(k Key, moves []Move, now time.Time) Frozen {
	at, other := FreezePlace(moves)
	return Frozen{Key: k, At: at, Other: other, Moves: len(moves), Since: now}
}

// Unfreeze releases a frozen MAC; its history starts afresh. It reports
// whether the MAC was frozen.
func (d *Detector) Unfreeze(k Key) bool {
	_, ok := d.frozen[k]
	delete(d.frozen, k)
	delete(d.macs, k)
	return ok
}

// Frozen returns the frozen MACs by VNI and MAC.
func (d *Detector) Frozen() []Frozen {
	out := make([]Frozen, 0, len(d.frozen))
	for _, f := range d.frozen {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b Frozen) int { return compareKeys(a.Key, b.Key) })
	return out
}

// IsFrozen reports whether k is frozen.
func (d *Detector) IsFrozen(k Key) bool {
	_, ok := d.frozen[k]
	return ok
}

func compareKeys(a, b Key) int {
	return cmp.Or(cmp.Compare(a.VNI, b.VNI), cmp.Compare(a.MAC, b.MAC))
}
