package agent

import (
	"sort"

	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// Diff computes the changes that turn what a switch has into what vtep
// wants, as one batch. Only flows with a programmed vtep cookie count as
// installed: learned flows and flows others installed are never touched,
// except that a wanted flow replaces a foreign flow with the same key. A
// flow is unchanged when a flow with its key and its cookie is installed:
// the cookie's digest covers its actions and timeouts, so actions read back
// from the switch are never decoded. Groups are compared by their text.
func Diff(installed []ofapp.FlowStats, want []ofapp.Flow, installedGroups []ofapp.GroupEntry, wantGroups []ofapp.GroupEntry) *ofapp.Batch {
	b := &ofapp.Batch{}
	kept := make([]bool, len(installed))
	rest := unchanged(installed, want, kept)
	// The flows the cookies did not pair: by key, as OpenFlow identifies
	// them (an index into installed).
	have := make(map[ofapp.Key]int, len(installed))
	for i, f := range installed {
		if !kept[i] && programmed(f.Cookie) {
			have[f.Key()] = i
		}
	}
	for _, f := range rest {
		i, ok := have[f.Key()]
		if ok {
			kept[i] = true
			if installed[i].Cookie == f.Cookie {
				continue
			}
		}
		// OFPFC_ADD replaces a flow with the same key, cookie included.
		b.AddFlows(f)
	}
	b.DeleteFlows(sortedByText(installed, kept)...)

	haveG := make(map[uint32]string, len(installedGroups))
	for _, g := range installedGroups {
		haveG[g.ID] = g.String()
	}
	wantG := make(map[uint32]bool, len(wantGroups))
	for _, g := range wantGroups {
		wantG[g.ID] = true
		s, ok := haveG[g.ID]
		switch {
		case !ok:
			b.AddGroups(g)
		case s != g.String():
			b.ModifyGroups(g)
		}
	}
	var gdels []uint32
	for id := range haveG {
		if !wantG[id] {
			gdels = append(gdels, id)
		}
	}
	sort.Slice(gdels, func(i, j int) bool { return gdels[i] < gdels[j] })
	b.DeleteGroups(gdels...)
	return b
}

// unchanged marks in kept the installed flows that a wanted flow has
// unchanged, and returns the wanted flows it did not pair. A wanted flow
// is unchanged when an installed programmed flow has its cookie, table,
// priority and match: the cookie's digest covers the flow's text, so
// pairing by cookie finds it without printing any key, and the match
// compared field by field makes the pairing exact. Whatever it does not
// pair (new, changed or differently encoded flows) Diff pairs by key.
func unchanged(installed []ofapp.FlowStats, want []ofapp.Flow, kept []bool) []ofapp.Flow {
	// installed programmed flows by cookie: first index, then a chain
	first := make(map[uint64]int32, len(installed))
	next := make([]int32, len(installed))
	for i := len(installed) - 1; i >= 0; i-- {
		c := installed[i].Cookie
		if !programmed(c) {
			continue
		}
		if j, ok := first[c]; ok {
			next[i] = j
		} else {
			next[i] = -1
		}
		first[c] = int32(i)
	}
	var rest []ofapp.Flow
	for _, f := range want {
		j, ok := first[f.Cookie]
		for ok && j >= 0 {
			h := &installed[j]
			if !kept[j] && h.Table == f.Table && h.Priority == f.Priority && h.Match.Equal(f.Match) {
				kept[j] = true
				break
			}
			j = next[j]
		}
		if !ok || j < 0 {
			rest = append(rest, f)
		}
	}
	return rest
}

// sortedByText returns the programmed flows of installed not kept, in the
// order of their text (each printed once).
func sortedByText(installed []ofapp.FlowStats, kept []bool) []ofapp.Flow {
	type del struct {
		text string
		f    ofapp.Flow
	}
	var dels []del
	for i, f := range installed {
		if programmed(f.Cookie) && !kept[i] {
			dels = append(dels, del{f.String(), f.Flow})
		}
	}
	sort.Slice(dels, func(i, j int) bool { return dels[i].text < dels[j].text })
	out := make([]ofapp.Flow, len(dels))
	for i, d := range dels {
		out[i] = d.f
	}
	return out
}

// programmed reports whether a flow's cookie is one the controller installs.
func programmed(cookie uint64) bool {
	return pipeline.Cookie(cookie)&pipeline.ProgrammedMask == pipeline.ProgrammedValue
}

// DiffMeters adds to b the meter mods that turn the switch's meters into
// want: adds, modifies (a meter whose rate, burst, flags or bands differ)
// and deletes of meters vtep no longer wants. Every meter of the overlay
// bridge is vtep's, as its groups are.
func DiffMeters(b *ofapp.Batch, have []ofapp.MeterStats, want []ofapp.MeterEntry) {
	haveM := make(map[uint32]ofapp.MeterStats, len(have))
	for _, m := range have {
		haveM[m.ID] = m
	}
	wantM := make(map[uint32]bool, len(want))
	for _, m := range want {
		wantM[m.ID] = true
		h, ok := haveM[m.ID]
		switch {
		case !ok:
			b.AddMeters(m)
		case !h.Same(m):
			b.ModifyMeters(m)
		}
	}
	var dels []uint32
	for id := range haveM {
		if !wantM[id] {
			dels = append(dels, id)
		}
	}
	sort.Slice(dels, func(i, j int) bool { return dels[i] < dels[j] })
	b.DeleteMeters(dels...)
}
