package pipeline

import "testing"

func TestPortOversize(t *testing.T) {
	for _, tt := range []struct {
		port, underlay int
		want           bool
	}{
		{1500, 1500, true},
		{1451, 1500, true},
		{1450, 1500, false},
		{1500, 1550, false},
		{9000, 9000, true},
		{0, 1500, false},    // port MTU unknown
		{1500, 0, false},    // underlay MTU unknown
		{1500, 40, false},   // nonsense underlay MTU: unknown
		{8950, 9000, false}, // jumbo underlay
	} {
		p, u := Port{Name: "vm1", MTU: tt.port}, Underlay{MTU: tt.underlay}
		if got := p.Oversize(u); got != tt.want {
			t.Errorf("port MTU %d on underlay MTU %d: oversize = %v, want %v", tt.port, tt.underlay, got, tt.want)
		}
	}
	if got := (Underlay{MTU: 1500}).MaxVMMTU(); got != 1450 {
		t.Errorf("MaxVMMTU(1500) = %d, want 1450", got)
	}
}

// withUnderlayMTU sets the state's underlay MTU.
func withUnderlayMTU(s State, mtu int) State {
	s.Underlay.MTU = mtu
	return s
}
