package api

import (
	"cmp"
	"slices"
	"strings"
)

// sortStable orders es by compare, keeping equal entries in their order.
// It sorts indices and then moves each entry once, into its place: the
// entries of the API's lists are large, and a sort that swaps them as it
// goes moves each many times (100,000 flows are 20 MB).
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
	// es[k] becomes es[idx[k]]: follow each cycle of the permutation once
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

// SortMACs orders entries by VNI, then MAC.
func SortMACs(es []MACEntry) {
	sortStable(es, func(a, b *MACEntry) int {
		if c := cmp.Compare(a.VNI, b.VNI); c != 0 {
			return c
		}
		return strings.Compare(a.MAC, b.MAC)
	})
}
