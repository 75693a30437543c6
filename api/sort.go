package api

import (
	"cmp"
	"slices"
	"strings"
)

// The API's lists are large (100,000 flows are 20 MB) and their entries
// too: a sort that swaps entries as it goes moves each many times. These
// sorts order indices and then move each entry once, into its place.

// sortStable orders es by compare, keeping equal entries in their order.
func sortStable[T any](es []T, compare func(a, b *T) int) {
	idx := make([]int32, len(es))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(i, j int32) int {
		if c := compare(&es[i], &es[j]); c != 0 {
			return c
		}
		return cmp.Compare(i, j)
	})
	permute(es, idx)
}

// permute makes es[k] what es[idx[k]] was, following each cycle of the
// permutation once; it leaves idx spoilt.
func permute[T any](es []T, idx []int32) {
	for k := range idx {
		if idx[k] < 0 {
			continue
		}
		tmp, j := es[k], k
		for {
			src := int(idx[j])
			idx[j] = -1
			if src == k {
				es[j] = tmp
				break
			}
			es[j], j = es[src], src
		}
	}
}

// SortFlowEntries orders flows by bridge role (overlay first), table,
// priority (highest first), match and cookie (CompareFlowEntries); flows
// equal in all of these keep their order.
func SortFlowEntries(es []FlowEntry) {
	sortStable(es, CompareFlowEntries)
}

// CompareFlowEntries is the order of SortFlowEntries: negative when a
// comes before b, positive when after, 0 when neither.
func CompareFlowEntries(a, b *FlowEntry) int {
	if a.Role != b.Role {
		if a.Role == BridgeOverlay {
			return -1
		}
		if b.Role == BridgeOverlay {
			return 1
		}
		return 0
	}
	if c := cmp.Compare(a.Table, b.Table); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
		return c
	}
	if c := strings.Compare(a.Match, b.Match); c != 0 {
		return c
	}
	return strings.Compare(a.Cookie, b.Cookie)
}

// SortMACs orders entries by VNI, then MAC (as text); entries equal in
// both keep their order. MACs written as net.HardwareAddr writes them
// (the only way vtepd writes them) are compared as numbers, in the same
// order as their text.
func SortMACs(es []MACEntry) {
	type key struct {
		vni uint32
		idx int32
		mac uint64
	}
	keys := make([]key, len(es))
	for i := range es {
		mac, ok := macNumber(es[i].MAC)
		if !ok {
			sortStable(es, compareMACs)
			return
		}
		keys[i] = key{es[i].VNI, int32(i), mac}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.vni != b.vni {
			return cmp.Compare(a.vni, b.vni)
		}
		if a.mac != b.mac {
			return cmp.Compare(a.mac, b.mac)
		}
		return cmp.Compare(a.idx, b.idx)
	})
	idx := make([]int32, len(keys))
	for i, k := range keys {
		idx[i] = k.idx
	}
	permute(es, idx)
}

func compareMACs(a, b *MACEntry) int {
	if c := cmp.Compare(a.VNI, b.VNI); c != 0 {
		return c
	}
	return strings.Compare(a.MAC, b.MAC)
}

// macNumber reads a 6-byte MAC in lower-case hex with colons
// ("02:00:00:00:00:0a") as a number, and reports false for any other
// text: for such text, the order of the numbers is that of the texts.
func macNumber(s string) (uint64, bool) {
	if len(s) != 17 {
		return 0, false
	}
	var v uint64
	for i := 0; i < 17; i++ {
		c := s[i]
		if i%3 == 2 {
			if c != ':' {
				return 0, false
			}
			continue
		}
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
