package agent

import (
	"context"
	"errors"
	"testing"

	"github.com/vtep/vtep/agent/agenttest"
	"github.com/vtep/vtep/pipeline"
)

// TestReadAheadReads: the read started before Build returns the programmed
// flows, and the groups and meters only where asked (the overlay bridge).
func TestReadAheadReads(t *testing.T) {
	r := newRig(t, rigConfig)
	r.mustConverge(t)
	ctx := context.Background()
	want, _ := r.over.Flows(ctx, uint64(pipeline.ProgrammedValue), uint64(pipeline.ProgrammedMask))
	groups, _ := r.over.Groups(ctx)
	meters, _ := r.over.Meters(ctx)
	flows, gs, ms, err := ReadAhead(ctx, r.over, true).Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(flows) == 0 || len(flows) != len(want) || len(gs) != len(groups) || len(ms) != len(meters) {
		t.Errorf("read %d flows, %d groups, %d meters; want %d, %d, %d (and some flows)", len(flows), len(gs), len(ms), len(want), len(groups), len(meters))
	}
	_, gs, ms, err = ReadAhead(ctx, r.under, false).Wait(ctx)
	if err != nil || gs != nil || ms != nil {
		t.Errorf("underlay read: %d groups, %d meters, %v; want none and no error", len(gs), len(ms), err)
	}
}

// TestReadAheadFailureAppliesNothing: when a read that ran beside Build
// fails, the reconcile reports it and sends no bundle to that switch.
func TestReadAheadFailureAppliesNothing(t *testing.T) {
	for _, op := range []agenttest.Op{agenttest.OpFlows, agenttest.OpGroups, agenttest.OpMeters} {
		t.Run(string(op), func(t *testing.T) {
			r := newRig(t, rigConfig)
			r.over.Fail(op, errBoom)
			err := r.reconcile(t)
			if !errors.Is(err, errBoom) {
				t.Fatalf("reconcile: %v, want the read's error", err)
			}
			if n := len(r.over.Batches()); n != 0 {
				t.Errorf("%d bundles sent to the overlay bridge, want none", n)
			}
			r.over.Fail(op, nil)
			r.mustConverge(t)
		})
	}
}

// TestReadAheadWaitEndsWithContext: Wait returns when its context ends,
// whatever the read does.
func TestReadAheadWaitEndsWithContext(t *testing.T) {
	r := &InstalledRead{done: make(chan struct{})} // a read that never ends
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, _, err := r.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait = %v, want context.Canceled", err)
	}
}
