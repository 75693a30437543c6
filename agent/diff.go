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
	// installed flows by key (an index into installed), and which of them
	// a wanted flow has: the rest are deleted.
	have := make(map[ofapp.Key]int, len(installed))
	for i, f := range installed {
		if programmed(f.Cookie) {
			have[f.Key()] = i
		}
	}
	kept := make([]bool, len(installed))
	for _, f := range want {
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
