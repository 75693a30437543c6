package main

import (
	"cmp"
	"slices"
	"strings"

	"github.com/vtep/vtep/api"
)

// flowRef is a flow read, for sorting: by reference (flows are large to
// move), with the first terms of api.CompareFlowEntries' order packed
// into key.
type flowRef struct {
	key   uint64 // role (overlay first), table, priority (highest first)
	match string
	f     *api.FlowEntry
	i     int // the order read, which equal flows keep
}

func compareFlowRefs(a, b flowRef) int {
	if a.key != b.key {
		return cmp.Compare(a.key, b.key)
	}
	if c := strings.Compare(a.match, b.match); c != 0 {
		return c
	}
	if c := api.CompareFlowEntries(a.f, b.f); c != 0 {
		return c
	}
	return a.i - b.i
}

// flowRun is how many flows flowSorter sorts at once as they arrive.
const flowRun = 8192

// flowSorter sorts flows as they are read, in api.CompareFlowEntries'
// order: each run of flowRun flows is sorted as soon as it is complete,
// while the rest is still coming from vtepd, and the runs are merged at
// the end, which leaves less to do once the last flow is in.
type flowSorter struct {
	refs []flowRef
	size int // bytes of text, about: the printed table's size
}

// add copies f in.
func (s *flowSorter) add(f *api.FlowEntry) error {
	e := *f
	key := uint64(e.Table)<<16 | uint64(0xffff-e.Priority)
	if e.Role != api.BridgeOverlay {
		key |= 1 << 32
	}
	s.refs = append(s.refs, flowRef{key, e.Match, &e, len(s.refs)})
	s.size += len(e.Feature) + len(e.Match) + len(e.Actions) + 64
	if n := len(s.refs); n%flowRun == 0 {
		slices.SortFunc(s.refs[n-flowRun:], compareFlowRefs)
	}
	return nil
}

// sorted returns the flows added, sorted.
func (s *flowSorter) sorted() []flowRef {
	refs, n := s.refs, len(s.refs)
	slices.SortFunc(refs[n-n%flowRun:], compareFlowRefs)
	tmp := make([]flowRef, n)
	for width := flowRun; width < n; width *= 2 {
		for lo := 0; lo < n; lo += 2 * width {
			mid, hi := min(lo+width, n), min(lo+2*width, n)
			mergeFlowRefs(tmp[lo:hi], refs[lo:mid], refs[mid:hi])
		}
		refs, tmp = tmp, refs
	}
	return refs
}

// mergeFlowRefs merges the sorted a and b into out, a's first of equals.
func mergeFlowRefs(out, a, b []flowRef) {
	i, j, k := 0, 0, 0
	for i < len(a) && j < len(b) {
		if compareFlowRefs(b[j], a[i]) < 0 {
			out[k] = b[j]
			j++
		} else {
			out[k] = a[i]
			i++
		}
		k++
	}
	k += copy(out[k:], a[i:])
	copy(out[k:], b[j:])
}
