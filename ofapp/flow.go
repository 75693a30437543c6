package ofapp

import (
	"fmt"
	"strings"
)

// Flow is one OpenFlow 1.3 flow entry as a plain value: what the pipeline
// package produces and what a Switch installs, reads back and compares.
type Flow struct {
	Table       uint8
	Priority    uint16
	Cookie      uint64
	IdleTimeout uint16
	HardTimeout uint16
	Match       Match
	// Actions form the apply-actions instruction; empty (and no Goto) drops.
	Actions []Action
	// Goto is the goto-table instruction's target. Zero means none: goto
	// may only move to a later table, so table 0 is never a target.
	Goto uint8
	// Meter is the meter instruction's meter id: the packet passes that
	// meter before the actions. Zero means none (meter ids start at 1).
	Meter uint32
}

// Key identifies a flow within a switch as OpenFlow does: table, priority and
// match. Two flows with equal keys cannot both be installed.
type Key struct {
	Table    uint8
	Priority uint16
	Match    string // canonical Match.String
}

// Key returns the flow's identity.
func (f Flow) Key() Key {
	return Key{Table: f.Table, Priority: f.Priority, Match: f.Match.String()}
}

// ActionsString prints the flow's instructions as ovs-ofctl's actions= text.
func (f Flow) ActionsString() string { return string(f.appendActions(nil)) }

// AppendActionsText appends ActionsString's text to b.
func (f Flow) AppendActionsText(b []byte) []byte { return f.appendActions(b) }

// String prints the flow in the syntax `ovs-ofctl -O OpenFlow13 add-flow`
// accepts, so a flow list can be handed to ovs-ofctl for comparison.
func (f Flow) String() string { return string(f.AppendText(make([]byte, 0, 256))) }

// Validate checks what can be checked without a switch: goto moves forward,
// field ranges fit their fields.
func (f Flow) Validate() error {
	if f.Goto != 0 && f.Goto <= f.Table {
		return fmt.Errorf("flow %s: goto_table:%d does not move past table %d", f, f.Goto, f.Table)
	}
	for _, a := range f.Actions {
		if err := validateAction(a); err != nil {
			return fmt.Errorf("flow %s: %w", f, err)
		}
	}
	return nil
}

func validateAction(a Action) error {
	switch a := a.(type) {
	case RegLoad:
		if err := a.Dst.Validate(); err != nil {
			return err
		}
		if w := a.Dst.Width(); w < 64 && a.Value>>w != 0 {
			return fmt.Errorf("load:0x%x does not fit %s", a.Value, a.Dst)
		}
	case RegMove:
		if err := a.Src.Validate(); err != nil {
			return err
		}
		if err := a.Dst.Validate(); err != nil {
			return err
		}
		if a.Src.Width() != a.Dst.Width() {
			return fmt.Errorf("move:%s->%s: widths %d and %d differ", a.Src, a.Dst, a.Src.Width(), a.Dst.Width())
		}
	case OutputReg:
		return a.Src.Validate()
	case CheckPktLarger:
		return a.validate()
	case Learn:
		if r := a.ResultDst; r.Field.Bytes != 0 && (r.Validate() != nil || r.Width() != 1) {
			return fmt.Errorf("%s: result_dst must be one bit of a field", a)
		}
		for _, s := range a.Specs {
			if err := validateLearnSpec(s); err != nil {
				return fmt.Errorf("%s: %w", a, err)
			}
		}
	}
	return nil
}

func validateLearnSpec(s LearnSpec) error {
	pair := func(src, dst FieldRange) error {
		if err := src.Validate(); err != nil {
			return err
		}
		if err := dst.Validate(); err != nil {
			return err
		}
		if src.Width() != dst.Width() {
			return fmt.Errorf("learn spec %s: widths %d and %d differ", s, src.Width(), dst.Width())
		}
		return nil
	}
	switch s := s.(type) {
	case LearnMatchField:
		return pair(s.Src, s.Dst)
	case LearnLoadField:
		return pair(s.Src, s.Dst)
	case LearnMatchValue:
		return s.Dst.Validate()
	case LearnLoadValue:
		return s.Dst.Validate()
	case LearnOutputField:
		return s.Src.Validate()
	}
	return nil
}

// GroupType is an OpenFlow group type.
type GroupType uint8

// Group types.
const (
	GroupAll      GroupType = 0 // OFPGT_ALL: every bucket gets a copy
	GroupSelect   GroupType = 1
	GroupIndirect GroupType = 2
)

func (t GroupType) String() string {
	switch t {
	case GroupAll:
		return "all"
	case GroupSelect:
		return "select"
	case GroupIndirect:
		return "indirect"
	}
	return fmt.Sprintf("type%d", uint8(t))
}

// Bucket is one action list of a group.
type Bucket struct {
	Actions []Action
}

// GroupEntry is an OpenFlow group as a plain value (replication mode uses one
// type-all group per VNI with a bucket per peer VTEP).
type GroupEntry struct {
	ID      uint32
	Type    GroupType
	Buckets []Bucket
}

// String prints the group in the syntax `ovs-ofctl -O OpenFlow13 add-group` accepts.
func (g GroupEntry) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "group_id=%d,type=%s", g.ID, g.Type)
	for _, bk := range g.Buckets {
		b.WriteString(",bucket=actions=")
		b.WriteString(ActionsString(bk.Actions))
	}
	return b.String()
}
