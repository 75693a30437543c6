package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vtep/vtep/api"
)

// TestFlowSorter: flows added in any order, over several runs and a part
// of one, come out as a stable sort in api.CompareFlowEntries' order would
// put them, equal flows in the order added.
func TestFlowSorter(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, flowRun - 1, flowRun, 3*flowRun + 17} {
		in := make([]api.FlowEntry, n)
		for i := range in {
			in[i] = api.FlowEntry{Role: []string{api.BridgeOverlay, api.BridgeUnderlay}[r.IntN(2)], Table: uint8(r.IntN(3)),
				Priority: uint16(r.IntN(3) * 100), Match: fmt.Sprintf("reg0=0x%x", r.IntN(40)), Cookie: fmt.Sprint(r.IntN(2)),
				Actions: fmt.Sprint(i)}
		}
		var s flowSorter
		for i := range in {
			f := in[i]
			if err := s.add(&f); err != nil {
				t.Fatal(err)
			}
		}
		want := slices.Clone(in)
		slices.SortStableFunc(want, func(a, b api.FlowEntry) int { return api.CompareFlowEntries(&a, &b) })
		got := s.sorted()
		if len(got) != n {
			t.Fatalf("%d flows: %d back", n, len(got))
		}
		for i := range got {
			if *got[i].f != want[i] {
				t.Fatalf("%d flows: at %d %+v, want %+v", n, i, *got[i].f, want[i])
			}
		}
	}
}
