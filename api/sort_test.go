package api

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortFlowEntries: overlay before underlay, then table, priority
// (highest first), match and cookie; entries equal in all of these keep
// their order.
func TestSortFlowEntries(t *testing.T) {
	want := []FlowEntry{
		{Role: BridgeOverlay, Table: 0, Priority: 100, Match: "in_port=1"},
		{Role: BridgeOverlay, Table: 0, Priority: 100, Match: "in_port=2", Cookie: "0x1"},
		{Role: BridgeOverlay, Table: 0, Priority: 100, Match: "in_port=2", Cookie: "0x2", Actions: "first"},
		{Role: BridgeOverlay, Table: 0, Priority: 100, Match: "in_port=2", Cookie: "0x2", Actions: "second"},
		{Role: BridgeOverlay, Table: 0, Priority: 1},
		{Role: BridgeOverlay, Table: 30, Priority: 200},
		{Role: BridgeUnderlay, Table: 0, Priority: 300},
	}
	for range 20 {
		got := slices.Clone(want)
		rand.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		// the two equal ones in their original order
		i, j := slices.IndexFunc(got, func(f FlowEntry) bool { return f.Actions == "first" }), slices.IndexFunc(got, func(f FlowEntry) bool { return f.Actions == "second" })
		if i > j {
			got[i], got[j] = got[j], got[i]
		}
		SortFlowEntries(got)
		if !slices.Equal(got, want) {
			t.Fatalf("sorted:\n%+v\nwant\n%+v", got, want)
		}
	}
}

// TestSortMACs: by VNI, then MAC.
func TestSortMACs(t *testing.T) {
	want := []MACEntry{{VNI: 10, MAC: "02:00:00:00:00:0a"}, {VNI: 10, MAC: "02:00:00:00:00:0b"}, {VNI: 20, MAC: "02:00:00:00:00:01"}}
	for range 10 {
		got := slices.Clone(want)
		rand.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		SortMACs(got)
		if !slices.Equal(got, want) {
			t.Fatalf("sorted %+v, want %+v", got, want)
		}
	}
}

// TestSortStableLarge: on many entries with few distinct keys, the order
// is by key and, within a key, the original order.
func TestSortStableLarge(t *testing.T) {
	type e struct{ key, seq int }
	r := rand.New(rand.NewPCG(3, 4))
	es := make([]e, 10000)
	for i := range es {
		es[i] = e{key: r.IntN(50), seq: i}
	}
	sortStable(es, func(a, b *e) int { return a.key - b.key })
	seen := make([]bool, len(es))
	for _, x := range es {
		if seen[x.seq] {
			t.Fatalf("entry %d twice", x.seq)
		}
		seen[x.seq] = true
	}
	for i := 1; i < len(es); i++ {
		if a, b := es[i-1], es[i]; a.key > b.key || (a.key == b.key && a.seq > b.seq) {
			t.Fatalf("at %d: %+v before %+v", i, a, b)
		}
	}
	sortStable([]e{}, func(a, b *e) int { return 0 })
}
