package macflap

import (
	"net/netip"
	"testing"
	"time"
)

var (
	t0    = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	k     = Key{VNI: 10, MAC: "02:00:00:00:00:0a"}
	port2 = Place{Port: 2}
	port3 = Place{Port: 3}
	vtep2 = Place{Port: 1, VTEP: netip.MustParseAddr("10.0.0.2")}
	vtep3 = Place{Port: 1, VTEP: netip.MustParseAddr("10.0.0.3")}
	frr   = Config{MaxMoves: 5, Window: 180 * time.Second}
)

// alternate observes k at a and b in turn, one observation a second from
// start, n+1 observations (n moves); it returns the moves and freezes seen.
func alternate(d *Detector, start time.Time, a, b Place, n int, cfg Config) (moves int, frozen []Frozen) {
	for i := 0; i <= n; i++ {
		p := a
		if i%2 == 1 {
			p = b
		}
		m, f := d.Observe(start.Add(time.Duration(i)*time.Second), map[Key]Place{k: p}, cfg)
		moves += len(m)
		frozen = append(frozen, f...)
	}
	return moves, frozen
}

func TestFreezesOnTheNthMoveWithinWindow(t *testing.T) {
	d := New()
	moves, frozen := alternate(d, t0, port2, port3, 4, frr)
	if moves != 4 || len(frozen) != 0 {
		t.Fatalf("4 moves: %d moves, frozen %v; want 4 and none", moves, frozen)
	}
	m, f := d.Observe(t0.Add(5*time.Second), map[Key]Place{k: port3}, frr)
	if len(m) != 1 || len(f) != 1 {
		t.Fatalf("5th move: moves %v frozen %v", m, f)
	}
	want := Frozen{Key: k, At: port2, Other: port3, Moves: 5, Since: t0.Add(5 * time.Second)}
	if f[0] != want || !d.IsFrozen(k) || len(d.Frozen()) != 1 || d.Frozen()[0] != want {
		t.Errorf("frozen %+v, want %+v", f[0], want)
	}
	// frozen: further moves are not tracked
	if m, f := d.Observe(t0.Add(6*time.Second), map[Key]Place{k: port2}, frr); len(m)+len(f) != 0 {
		t.Errorf("frozen MAC still tracked: %v %v", m, f)
	}
}

func TestMovesOutsideWindowExpire(t *testing.T) {
	d := New()
	cfg := Config{MaxMoves: 3, Window: 10 * time.Second}
	// a move every 6 s: never 3 within 10 s
	places := []Place{port2, port3, port2, port3, port2, port3, port2}
	for i, p := range places {
		if _, f := d.Observe(t0.Add(time.Duration(i)*6*time.Second), map[Key]Place{k: p}, cfg); len(f) != 0 {
			t.Fatalf("froze at observation %d: %v", i, f)
		}
	}
	// the same moves 2 s apart freeze on the third
	d = New()
	_, frozen := alternate(d, t0, port2, port3, 3, Config{MaxMoves: 3, Window: 10 * time.Second})
	if len(frozen) != 1 {
		t.Fatalf("3 moves in 3 s: frozen %v", frozen)
	}
}

func TestForgetsMACsGoneForAWindow(t *testing.T) {
	d := New()
	cfg := Config{MaxMoves: 2, Window: 10 * time.Second}
	d.Observe(t0, map[Key]Place{k: port2}, cfg)
	// gone (aged out) for less than the window, back elsewhere: a move
	d.Observe(t0.Add(time.Second), nil, cfg)
	if m, _ := d.Observe(t0.Add(5*time.Second), map[Key]Place{k: port3}, cfg); len(m) != 1 {
		t.Errorf("back elsewhere within the window: moves %v, want 1", m)
	}
	// gone for a window: forgotten, so coming back is no move
	d.Observe(t0.Add(20*time.Second), nil, cfg)
	if m, _ := d.Observe(t0.Add(21*time.Second), map[Key]Place{k: port2}, cfg); len(m) != 0 {
		t.Errorf("back after a window: moves %v, want none", m)
	}
}

func TestUnfreeze(t *testing.T) {
	d := New()
	if d.Unfreeze(k) {
		t.Error("Unfreeze of a MAC never frozen reported true")
	}
	_, frozen := alternate(d, t0, port2, port3, 5, frr)
	if len(frozen) != 1 {
		t.Fatalf("frozen %v", frozen)
	}
	if !d.Unfreeze(k) || d.IsFrozen(k) || len(d.Frozen()) != 0 {
		t.Fatal("Unfreeze did not release the MAC")
	}
	// history starts afresh: 4 more moves do not freeze it again
	if _, f := alternate(d, t0.Add(10*time.Second), port2, port3, 4, frr); len(f) != 0 {
		t.Errorf("refroze after 4 moves: %v", f)
	}
}

func TestDetectionOff(t *testing.T) {
	d := New()
	moves, frozen := alternate(d, t0, port2, port3, 20, Config{MaxMoves: 0, Window: time.Minute})
	if moves != 20 || len(frozen) != 0 {
		t.Errorf("off: %d moves, frozen %v", moves, frozen)
	}
}

func TestFreezePlace(t *testing.T) {
	mv := func(ps ...Place) []Move {
		var out []Move
		for i := 1; i < len(ps); i++ {
			out = append(out, Move{From: ps[i-1], To: ps[i]})
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		moves     []Move
		at, other Place
	}{
		{"two ports: the first", mv(port2, port3, port2), port2, port3},
		{"remote first, then local: the local port", mv(vtep2, port3, vtep2), port3, vtep2},
		{"local first, then remote: the local port", mv(port2, vtep2, port2, vtep2), port2, vtep2},
		{"two VTEPs: the first", mv(vtep2, vtep3, vtep2, vtep3), vtep2, vtep3},
		{"three places: latest other", mv(vtep2, port3, vtep3), port3, vtep3},
	} {
		at, other := FreezePlace(tc.moves)
		if at != tc.at || other != tc.other {
			t.Errorf("%s: at %s other %s, want %s and %s", tc.name, at, other, tc.at, tc.other)
		}
	}
}

func TestPlace(t *testing.T) {
	if !port2.Local() || vtep2.Local() || port2.Same(port3) || !vtep2.Same(Place{Port: 9, VTEP: vtep2.VTEP}) || port2.Same(vtep2) {
		t.Error("Place.Local/Same")
	}
	if port2.String() != "port 2" || vtep2.String() != "VTEP 10.0.0.2" {
		t.Errorf("String: %s, %s", port2, vtep2)
	}
}
