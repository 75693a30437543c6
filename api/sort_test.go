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

// TestSortMACsAsText: MACs compared as numbers sort as their texts do,
// and text that is not a MAC written as vtepd writes it sorts as text,
// equal entries keeping their order.
func TestSortMACsAsText(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	digits := "0123456789abcdef"
	for _, odd := range []string{"", "02:00:00:00:00:0A", "not a mac", "02-00-00-00-00-0a", "02:00:00:00:00:0g"} {
		es := make([]MACEntry, 3000)
		for i := range es {
			b := []byte("02:00:00:00:00:00")
			for _, p := range []int{12, 13, 15, 16} {
				b[p] = digits[r.IntN(3)*7%16]
			}
			es[i] = MACEntry{VNI: uint32(r.IntN(3)), MAC: string(b), Hits: uint64(i)}
		}
		if odd != "" {
			es[r.IntN(len(es))].MAC = odd
		}
		want := slices.Clone(es)
		slices.SortStableFunc(want, func(a, b MACEntry) int { return compareMACs(&a, &b) })
		SortMACs(es)
		if !slices.Equal(es, want) {
			t.Errorf("with %q: sorted differently from a stable sort by VNI and text", odd)
		}
	}
	for _, tt := range []struct {
		s  string
		ok bool
	}{{"02:00:00:00:00:0a", true}, {"ff:ff:ff:ff:ff:ff", true}, {"02:00:00:00:00:0A", false}, {"02:00:00:00:00", false}, {"02:00:00:00:00:0a:", false}} {
		if _, ok := macNumber(tt.s); ok != tt.ok {
			t.Errorf("macNumber(%q) ok = %v, want %v", tt.s, ok, tt.ok)
		}
	}
}
