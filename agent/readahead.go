package agent

import (
	"context"
	"fmt"

	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// InstalledRead is a read of what a switch has installed, started before
// pipeline.Build so that the two overlap: a reconcile with nothing to
// change spends about as long waiting for ovs-vswitchd to serialise the
// programmed flows as building the wanted ones (docs/performance.md), and
// the dump costs vtepd little CPU while it waits. The read sees the same
// flows it would after Build: vtepd's reconciles are serialised, and
// nothing else writes programmed flows (the learn action and the
// learned-MAC deletes touch learned cookies only, which the read masks
// out).
type InstalledRead struct {
	done   chan struct{}
	flows  []ofapp.FlowStats
	groups []ofapp.GroupEntry
	meters []ofapp.MeterStats
	err    error
	tables bool
}

// ReadAhead starts reading sw's programmed flows and, when tables is true
// (the overlay bridge), its groups and meters. The read ends with ctx.
func ReadAhead(ctx context.Context, sw Switch, tables bool) *InstalledRead {
	r := &InstalledRead{done: make(chan struct{}), tables: tables}
	go func() {
		defer close(r.done)
		var err error
		if r.flows, err = ReadInstalled(ctx, sw, uint64(pipeline.ProgrammedValue), uint64(pipeline.ProgrammedMask)); err != nil {
			r.err = fmt.Errorf("read the installed flows back: %w", err)
			return
		}
		if !tables {
			return
		}
		if r.meters, err = sw.Meters(ctx); err != nil {
			r.err = fmt.Errorf("read the meters back: %w", err)
			return
		}
		gs, err := sw.Groups(ctx)
		if err != nil {
			r.err = fmt.Errorf("read the groups back: %w", err)
			return
		}
		r.groups = make([]ofapp.GroupEntry, 0, len(gs))
		for _, g := range gs {
			r.groups = append(r.groups, g.GroupEntry)
		}
	}()
	return r
}

// Wait returns what the read found: the programmed flows, and the groups
// and meters when it read them.
func (r *InstalledRead) Wait(ctx context.Context) ([]ofapp.FlowStats, []ofapp.GroupEntry, []ofapp.MeterStats, error) {
	select {
	case <-r.done:
		return r.flows, r.groups, r.meters, r.err
	case <-ctx.Done():
		return nil, nil, nil, ctx.Err()
	}
}
