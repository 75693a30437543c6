package pipelinetest

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/vtep/vtep/ofapp"
)

// Changing the simulated switch as a controller does: one ofapp.Batch at a
// time, all or nothing, in the batch's bundle order (see ofapp.Batch), with
// the errors OVS gives for a group that exists already or does not exist.

// Apply applies a batch as OVS commits an ONF bundle: every change in bundle
// order, or, when one fails, none (the switch is left as it was). It
// returns an error naming the failing change.
func (s *Switch) Apply(b *ofapp.Batch) error {
	changes := b.Changes()
	if err := s.check(changes); err != nil {
		return err
	}
	for _, c := range changes {
		s.applyChange(c)
	}
	return nil
}

// check finds the first change OVS would refuse, without changing anything.
func (s *Switch) check(changes []ofapp.Change) error {
	groups := make(map[uint32]bool, len(s.groups))
	for id := range s.groups {
		groups[id] = true
	}
	meters := make(map[uint32]bool, len(s.meters))
	for id := range s.meters {
		meters[id] = true
	}
	for _, c := range changes {
		var err error
		if c.Meter != nil {
			err = checkMeter(c, meters)
		}
		switch c.Op {
		case "add group":
			if groups[c.Group.ID] {
				err = fmt.Errorf("group %d exists (OFPGMFC_GROUP_EXISTS)", c.Group.ID)
			}
			groups[c.Group.ID] = true
		case "modify group":
			if !groups[c.Group.ID] {
				err = fmt.Errorf("group %d does not exist (OFPGMFC_UNKNOWN_GROUP)", c.Group.ID)
			}
		case "delete group":
			delete(groups, c.Group.ID)
		case "add flow", "modify flow":
			if err = c.Flow.Validate(); err == nil {
				err = usesKnownGroups(*c.Flow, groups)
			}
			if err == nil && c.Flow.Meter != 0 && !meters[c.Flow.Meter] {
				err = fmt.Errorf("meter %d does not exist (OFPMMFC_UNKNOWN_METER)", c.Flow.Meter)
			}
		}
		if err != nil {
			return fmt.Errorf("pipelinetest: apply batch: %s %s: %w", c.Op, c.Text, err)
		}
	}
	return nil
}

// usesKnownGroups fails for a flow whose actions name a missing group, as
// OVS does (OFPBAC_BAD_OUT_GROUP).
func usesKnownGroups(f ofapp.Flow, groups map[uint32]bool) error {
	for _, a := range f.Actions {
		if g, ok := a.(ofapp.Group); ok && !groups[g.ID] {
			return fmt.Errorf("group %d does not exist (OFPBAC_BAD_OUT_GROUP)", g.ID)
		}
	}
	return nil
}

// checkMeter checks a meter mod as OVS does and tracks the meters.
func checkMeter(c ofapp.Change, meters map[uint32]bool) error {
	id := c.Meter.ID
	switch c.Op {
	case "add meter":
		if meters[id] {
			return fmt.Errorf("meter %d exists (OFPMMFC_METER_EXISTS)", id)
		}
		meters[id] = true
	case "modify meter":
		if !meters[id] {
			return fmt.Errorf("meter %d does not exist (OFPMMFC_UNKNOWN_METER)", id)
		}
	case "delete meter":
		delete(meters, id)
	}
	return nil
}

func (s *Switch) applyChange(c ofapp.Change) {
	switch c.Op {
	case "add meter", "modify meter":
		s.meters[c.Meter.ID] = *c.Meter
	case "delete meter":
		s.DeleteMeter(c.Meter.ID)
	case "add group", "modify group":
		s.groups[c.Group.ID] = *c.Group
	case "delete group":
		s.DeleteGroup(c.Group.ID)
	case "delete flows by cookie":
		s.DeleteByCookie(*c.Cookie)
	case "delete flow":
		s.Delete(c.Flow.Key())
	case "modify flow":
		s.modify(*c.Flow)
	case "add flow":
		s.Add(*c.Flow)
	}
}

// Delete deletes the flow with this key (OFPFC_DELETE_STRICT); it reports
// whether there was one.
func (s *Switch) Delete(k ofapp.Key) bool {
	t := s.tables[k.Table]
	for i, e := range t {
		if e.flow.Priority == k.Priority && e.key == k.Match {
			s.tables[k.Table] = slices.Delete(t, i, i+1)
			return true
		}
	}
	return false
}

// DeleteByCookie deletes the flows a delete by cookie selects and returns
// how many it deleted.
func (s *Switch) DeleteByCookie(d ofapp.CookieDelete) int {
	n := 0
	for id, t := range s.tables {
		if !d.AllTables && id != d.Table {
			continue
		}
		kept := t[:0]
		for _, e := range t {
			if e.flow.Cookie&d.Mask == d.Cookie&d.Mask {
				n++
				continue
			}
			kept = append(kept, e)
		}
		s.tables[id] = kept
	}
	return n
}

// modify replaces the actions of the flow with the same key, keeping its
// cookie, timeouts and counters (OFPFC_MODIFY_STRICT); without such a flow
// it does nothing, as OpenFlow 1.3 says.
func (s *Switch) modify(f ofapp.Flow) {
	for _, e := range s.tables[f.Table] {
		if e.flow.Priority == f.Priority && e.key == f.Match.String() {
			e.flow.Actions, e.flow.Goto, e.flow.Meter = f.Actions, f.Goto, f.Meter
			return
		}
	}
}

// DeleteGroup deletes a group and, as OpenFlow does, every flow whose
// actions use it.
func (s *Switch) DeleteGroup(id uint32) {
	delete(s.groups, id)
	for tid, t := range s.tables {
		kept := t[:0]
		for _, e := range t {
			if !usesGroup(e.flow, id) {
				kept = append(kept, e)
			}
		}
		s.tables[tid] = kept
	}
}

// DeleteMeter deletes a meter and, as OpenFlow does, every flow that uses
// it.
func (s *Switch) DeleteMeter(id uint32) {
	delete(s.meters, id)
	for tid, t := range s.tables {
		s.tables[tid] = slices.DeleteFunc(t, func(e *entry) bool { return e.flow.Meter == id })
	}
}

// Meters returns the meters, by ID.
func (s *Switch) Meters() []ofapp.MeterEntry {
	out := make([]ofapp.MeterEntry, 0, len(s.meters))
	for _, m := range s.meters {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b ofapp.MeterEntry) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func usesGroup(f ofapp.Flow, id uint32) bool {
	for _, a := range f.Actions {
		if g, ok := a.(ofapp.Group); ok && g.ID == id {
			return true
		}
	}
	return false
}

// Groups returns the groups, by ID.
func (s *Switch) Groups() []ofapp.GroupEntry {
	out := make([]ofapp.GroupEntry, 0, len(s.groups))
	for _, g := range s.groups {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b ofapp.GroupEntry) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// FlowStats returns the flows of every table whose cookie equals cookie in
// the bits of mask, as a flow-stats reply does (table by table, highest
// priority first), with their packet counts and the simulated time since
// they were added.
func (s *Switch) FlowStats(cookie, mask uint64) []ofapp.FlowStats {
	ids := make([]int, 0, len(s.tables))
	for id := range s.tables {
		ids = append(ids, int(id))
	}
	slices.Sort(ids)
	var out []ofapp.FlowStats
	for _, id := range ids {
		for _, e := range s.tables[uint8(id)] {
			if e.flow.Cookie&mask != cookie&mask {
				continue
			}
			out = append(out, ofapp.FlowStats{Flow: e.flow, Packets: uint64(e.packets), Duration: s.now - e.created})
		}
	}
	return out
}
