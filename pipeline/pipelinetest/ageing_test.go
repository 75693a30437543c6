package pipelinetest

import (
	"net"
	"testing"
	"time"

	"github.com/vtep/vtep/ofapp"
)

// ageingSwitch learns macA from port 3 in table 0 into table 30 with the
// given timeouts; table 30 is then looked up for the destination.
func ageingSwitch(idle, hard uint16) *Switch {
	learn := ofapp.Learn{Table: 30, Priority: 100, IdleTimeout: idle, HardTimeout: hard, Specs: []ofapp.LearnSpec{
		ofapp.LearnMatchField{Dst: ofapp.Whole(ofapp.FieldEthDst), Src: ofapp.Whole(ofapp.FieldEthSrc)},
		ofapp.LearnOutputField{Src: ofapp.Whole(ofapp.FieldInPort)},
	}}
	return New([]ofapp.Flow{
		{Table: 0, Priority: 1, Actions: []ofapp.Action{learn, ofapp.Resubmit{Table: 30}}},
	}, nil)
}

// run sends a frame from src on port in to dst and reports its outputs.
func run(t *testing.T, sw *Switch, in uint32, src, dst net.HardwareAddr) []uint32 {
	t.Helper()
	tr, err := sw.Run(Packet{InPort: in, EthSrc: src, EthDst: dst})
	if err != nil {
		t.Fatal(err)
	}
	return tr.Ports()
}

func TestAgeingIdleVersusHard(t *testing.T) {
	macB := net.HardwareAddr{2, 0, 0, 0, 0, 0xb}
	for _, tt := range []struct {
		name       string
		idle, hard uint16
		wantKept   bool // after 20 s of lookups towards a silent macA
	}{
		{"idle timeout: lookups keep the entry", 10, 0, true},
		{"hard timeout: only the source keeps the entry", 0, 10, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sw := ageingSwitch(tt.idle, tt.hard)
			run(t, sw, 3, macA, bc) // learn macA on port 3
			key := sw.Flows(30)[0].Key()
			for range 20 {
				sw.Advance(time.Second)
				run(t, sw, 4, macB, macA) // towards macA; macA is silent
			}
			if _, kept := sw.Age(key); kept != tt.wantKept {
				t.Errorf("entry of a silent MAC after 20 s of lookups: kept %v, want %v", kept, tt.wantKept)
			}
		})
	}
}

func TestAgeingHardTimeoutRefreshedByLearn(t *testing.T) {
	sw := ageingSwitch(0, 10)
	run(t, sw, 3, macA, bc)
	key := sw.Flows(30)[0].Key()
	// macA speaks every 9 s for 45 s: the entry stays, and its age (OpenFlow
	// duration) counts from when it was first learned.
	for range 5 {
		if n := sw.Advance(9 * time.Second); n != 0 {
			t.Fatalf("at %v: %d flows expired while their source speaks every 9 s", sw.Now(), n)
		}
		run(t, sw, 3, macA, bc)
	}
	if age, ok := sw.Age(key); !ok || age != 45*time.Second {
		t.Errorf("age %v (present %v), want 45s", age, ok)
	}
	// Silent: still there exactly 10 s after the last frame, gone just after.
	if n := sw.Advance(10 * time.Second); n != 0 {
		t.Errorf("entry expired at its hard timeout, want just after")
	}
	if n := sw.Advance(time.Millisecond); n != 1 {
		t.Errorf("%d flows expired just after the hard timeout, want 1", n)
	}
	// A frame from a new port moves the entry at once.
	run(t, sw, 3, macA, bc)
	run(t, sw, 5, macA, bc)
	if got := run(t, sw, 4, net.HardwareAddr{2, 0, 0, 0, 0, 0xb}, macA); len(got) != 1 || got[0] != 5 {
		t.Errorf("frame to a moved MAC went to %v, want [5]", got)
	}
}
