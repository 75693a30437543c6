package agent

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// The flow endpoints: GET /v1/flows (installed flows, decoded) and
// GET /v1/flows/diff (what vtepd would change).

// switchFor returns the connected switch of a bridge role and its name.
func (a *Agent) switchFor(role string) (Switch, string, error) {
	cfg := a.config()
	switch role {
	case api.BridgeOverlay:
		if a.switches == nil {
			return nil, cfg.Bridge, fmt.Errorf("overlay bridge %s: vtepd is not running its controller", cfg.Bridge)
		}
		sw, ok := a.switches.Overlay()
		if !ok {
			return nil, cfg.Bridge, fmt.Errorf("overlay bridge %s (dpid %s) is not connected", cfg.Bridge, ofapp.DPIDString(a.overlayDPID))
		}
		return sw, cfg.Bridge, nil
	case api.BridgeUnderlay:
		var sw Switch
		ok := false
		if a.switches != nil {
			sw, ok = a.switches.Underlay()
		}
		if !ok {
			return nil, cfg.Underlay.Bridge, fmt.Errorf("underlay bridge %s is not connected", cfg.Underlay.Bridge)
		}
		return sw, cfg.Underlay.Bridge, nil
	}
	return nil, "", fmt.Errorf("bridge %q: want %s or %s", role, api.BridgeOverlay, api.BridgeUnderlay)
}

// Flows reads the installed flows the query selects, decoded and sorted by
// bridge, table, priority (highest first) and match.
func (a *Agent) Flows(ctx context.Context, q api.FlowQuery) ([]api.FlowEntry, error) {
	out := []api.FlowEntry{}
	table, cookie, mask := flowSelection(q)
	for _, role := range flowRoles(q) {
		sw, name, err := a.switchFor(role)
		if err != nil {
			return nil, err
		}
		err = eachFlow(ctx, sw, table, cookie, mask, func(f *ofapp.FlowStats) error {
			if e := NewFlowEntry(name, role, *f); q.VNI == 0 || e.VNI == q.VNI {
				out = append(out, e)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s bridge %s: read flows: %w", role, name, err)
		}
	}
	api.SortFlowEntries(out)
	return out, nil
}

// NewFlowEntry decodes one flow of a bridge in the given role.
func NewFlowEntry(bridge, role string, f ofapp.FlowStats) api.FlowEntry {
	e := flowEntryOf(bridge, role, f.Flow)
	e.Duration = f.Duration.Seconds()
	e.Packets, e.Bytes = f.Packets, f.Bytes
	return e
}

func flowEntryOf(bridge, role string, f ofapp.Flow) api.FlowEntry {
	e := flowEntryHead(bridge, role, &f, "0x"+strconv.FormatUint(f.Cookie, 16))
	e.Match, e.Actions = f.Match.String(), f.ActionsString()
	return e
}

// flowEntryHead is flowEntryOf without the match and actions, with the
// cookie's text given.
func flowEntryHead(bridge, role string, f *ofapp.Flow, cookie string) api.FlowEntry {
	c := pipeline.Cookie(f.Cookie)
	e := api.FlowEntry{
		Bridge:      bridge,
		Role:        role,
		Table:       f.Table,
		TableName:   tableName(role, f.Table),
		Priority:    f.Priority,
		Cookie:      cookie,
		Vtep:        c.IsVtep(),
		IdleTimeout: f.IdleTimeout,
		HardTimeout: f.HardTimeout,
	}
	if e.Vtep {
		e.Feature = c.Feature().String()
		e.VNI = c.VNI()
		e.Learned = c.Feature().Learned()
	}
	return e
}

// tableName names a table of a bridge in the given role.
func tableName(role string, id uint8) string {
	if role == api.BridgeUnderlay {
		return pipeline.UnderlayTableName(id)
	}
	return pipeline.TableName(id)
}

// FlowDiffs compares each bridge's installed programmed flows (and the
// overlay's groups) with the last pipeline result, using Diff: the same
// rule the reconcile uses. A bridge that cannot be read is reported in
// NotChecked rather than failing the whole answer.
func (a *Agent) FlowDiffs(ctx context.Context, role string) ([]api.FlowDiff, error) {
	stats, _, res := a.Snapshot()
	roles := []string{api.BridgeOverlay, api.BridgeUnderlay}
	if role != "" {
		roles = []string{role}
	}
	out := []api.FlowDiff{}
	for _, r := range roles {
		d := api.FlowDiff{Role: r, Generated: time.Now(), LastResult: stats.LastReconcile, Changes: []api.FlowChange{}}
		sw, name, err := a.switchFor(r)
		d.Bridge = name
		if err != nil {
			d.NotChecked = err.Error()
			out = append(out, d)
			continue
		}
		if res.Overlay == nil {
			d.NotChecked = "vtepd has not completed a reconcile yet"
			out = append(out, d)
			continue
		}
		want, wantGroups := res.Overlay, res.Groups
		if r == api.BridgeUnderlay {
			want, wantGroups = res.Underlay, nil
		}
		d.WantedFlows = len(want)
		installed, err := sw.Flows(ctx, uint64(pipeline.ProgrammedValue), uint64(pipeline.ProgrammedMask))
		if err != nil {
			return nil, fmt.Errorf("%s bridge %s: read flows: %w", r, name, err)
		}
		var haveGroups []ofapp.GroupEntry
		var haveMeters []ofapp.MeterStats
		if r == api.BridgeOverlay {
			if haveMeters, err = sw.Meters(ctx); err != nil {
				return nil, fmt.Errorf("%s bridge %s: read meters: %w", r, name, err)
			}
			gs, err := sw.Groups(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s bridge %s: read groups: %w", r, name, err)
			}
			for _, g := range gs {
				haveGroups = append(haveGroups, g.GroupEntry)
			}
		}
		b := Diff(installed, want, haveGroups, wantGroups)
		if r == api.BridgeOverlay {
			DiffMeters(b, haveMeters, res.Meters)
		}
		d.Changes = describeDiff(name, r, installed, b)
		out = append(out, d)
	}
	return out, nil
}

// describeDiff turns Diff's batch into changes an operator reads: an added
// flow whose key is installed (with another cookie) is a "replace".
func describeDiff(bridge, role string, installed []ofapp.FlowStats, b *ofapp.Batch) []api.FlowChange {
	have := map[ofapp.Key]bool{}
	for _, f := range installed {
		have[f.Key()] = true
	}
	out := []api.FlowChange{}
	for _, c := range b.Changes() {
		fc := api.FlowChange{Op: c.Op, Text: c.Text}
		if c.Flow != nil {
			e := flowEntryOf(bridge, role, *c.Flow)
			fc.Flow = &e
			switch c.Op {
			case "add flow":
				fc.Op = "add"
				if have[c.Flow.Key()] {
					fc.Op = "replace"
				}
			case "delete flow":
				fc.Op = "delete"
			}
		}
		out = append(out, fc)
	}
	return out
}
