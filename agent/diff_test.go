package agent

import (
	"net"
	"slices"
	"testing"

	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

func sealed(table uint8, prio uint16, f pipeline.Feature, m ofapp.Match, actions ...ofapp.Action) ofapp.Flow {
	return pipeline.Seal(ofapp.Flow{Table: table, Priority: prio, Cookie: uint64(pipeline.NewCookie(f, 10)), Match: m, Actions: actions})
}

func stats(fs ...ofapp.Flow) []ofapp.FlowStats {
	out := make([]ofapp.FlowStats, len(fs))
	for i, f := range fs {
		out[i] = ofapp.FlowStats{Flow: f}
	}
	return out
}

func TestDiff(t *testing.T) {
	a := sealed(50, 100, pipeline.FeatureFlood, ofapp.Match{ofapp.MatchReg(0, 10, 0xffffff)}, ofapp.Output{Port: 1})
	b := sealed(40, 100, pipeline.FeatureEgress, ofapp.Match{ofapp.MatchReg(3, 2, 0xffff)}, ofapp.Output{Port: 2})
	bChanged := sealed(40, 100, pipeline.FeatureEgress, ofapp.Match{ofapp.MatchReg(3, 2, 0xffff)}, ofapp.Output{Port: 3})
	c := sealed(0, 1, pipeline.FeatureDropUnknownVNI, ofapp.Match{ofapp.MatchInPort(9)})
	learned := ofapp.Flow{Table: 30, Priority: 100, Cookie: uint64(pipeline.NewCookie(pipeline.FeatureLearnedRemote, 10)),
		Match: ofapp.Match{ofapp.MatchReg(0, 10, 0xffffff), ofapp.MatchEthDst(net.HardwareAddr{2, 0, 0, 0, 0, 1})}}
	foreign := ofapp.Flow{Table: 0, Priority: 0, Actions: []ofapp.Action{ofapp.Output{Port: ofapp.PortNormal}}}
	group := ofapp.GroupEntry{ID: 10, Type: ofapp.GroupAll, Buckets: []ofapp.Bucket{{Actions: []ofapp.Action{ofapp.SetTunnelDst{IP: net.IPv4(10, 0, 0, 2)}, ofapp.Output{Port: 1}}}}}
	group2 := ofapp.GroupEntry{ID: 10, Type: ofapp.GroupAll, Buckets: []ofapp.Bucket{{Actions: []ofapp.Action{ofapp.SetTunnelDst{IP: net.IPv4(10, 0, 0, 3)}, ofapp.Output{Port: 1}}}}}
	stale := ofapp.GroupEntry{ID: 20, Type: ofapp.GroupAll}

	tests := []struct {
		name            string
		installed       []ofapp.Flow
		want            []ofapp.Flow
		haveG, wantG    []ofapp.GroupEntry
		wantLen         int
		wantInDescribes []string
	}{
		{name: "nothing installed", want: []ofapp.Flow{a, b}, wantLen: 2},
		{name: "all installed", installed: []ofapp.Flow{a, b}, want: []ofapp.Flow{a, b}, wantLen: 0},
		{name: "actions changed", installed: []ofapp.Flow{a, b}, want: []ofapp.Flow{a, bChanged}, wantLen: 1},
		{name: "stale flow deleted", installed: []ofapp.Flow{a, b, c}, want: []ofapp.Flow{a, b}, wantLen: 1},
		{name: "learned and foreign flows untouched", installed: []ofapp.Flow{a, learned, foreign}, want: []ofapp.Flow{a}, wantLen: 0},
		{name: "group added", want: []ofapp.Flow{a}, installed: []ofapp.Flow{a}, wantG: []ofapp.GroupEntry{group}, wantLen: 1},
		{name: "group unchanged", want: []ofapp.Flow{a}, installed: []ofapp.Flow{a}, haveG: []ofapp.GroupEntry{group}, wantG: []ofapp.GroupEntry{group}, wantLen: 0},
		{name: "group modified and stale removed", haveG: []ofapp.GroupEntry{group, stale}, wantG: []ofapp.GroupEntry{group2}, wantLen: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(stats(tt.installed...), tt.want, tt.haveG, tt.wantG)
			if got.Len() != tt.wantLen {
				t.Errorf("Diff has %d changes, want %d", got.Len(), tt.wantLen)
			}
			// Applying the diff to the installed set gives the wanted set.
			if tt.wantLen == 0 {
				return
			}
			again := Diff(stats(tt.want...), tt.want, tt.wantG, tt.wantG)
			if again.Len() != 0 {
				t.Errorf("Diff of wanted against itself has %d changes", again.Len())
			}
		})
	}
}

// TestDiffPairsByCookie checks the cookie pairing of unchanged flows: a
// flow read back with its match fields in another order is unchanged; an
// installed flow that shares a wanted flow's cookie (as a digest collision
// would) but not its match is not taken for it, and one that shares its
// key but not its cookie is replaced.
func TestDiffPairsByCookie(t *testing.T) {
	m := ofapp.Match{ofapp.MatchInPort(3), ofapp.MatchReg(0, 10, 0xffffff)}
	a := sealed(20, 100, pipeline.FeatureLearnLocal, m, ofapp.Resubmit{Table: 30})
	reordered := a
	reordered.Match = ofapp.Match{m[1], m[0]}
	collision := a
	collision.Match = ofapp.Match{ofapp.MatchInPort(4), ofapp.MatchReg(0, 10, 0xffffff)}
	other := sealed(20, 100, pipeline.FeatureLearnLocal, m, ofapp.Resubmit{Table: 25})

	if got := Diff(stats(reordered), []ofapp.Flow{a}, nil, nil); got.Len() != 0 {
		t.Errorf("match read back in another order: %d changes, want 0:\n%v", got.Len(), got.Changes())
	}
	got := Diff(stats(collision), []ofapp.Flow{a}, nil, nil)
	var ops []string
	for _, c := range got.Changes() {
		ops = append(ops, c.Op)
	}
	slices.Sort(ops)
	if len(ops) != 2 || ops[0] != "add flow" || ops[1] != "delete flow" {
		t.Errorf("same cookie, other match: changes %v, want an add and a delete", ops)
	}
	got = Diff(stats(other), []ofapp.Flow{a}, nil, nil)
	if got.Len() != 1 || got.Changes()[0].Op != "add flow" {
		t.Errorf("same key, other cookie: %d changes %v, want one add (a replace)", got.Len(), got.Changes())
	}
}
