package agent

import (
	"context"

	"github.com/vtep/vtep/ofapp"
)

// allTables selects the flows of every table in a flow read.
const allTables = 0xff

// flowScanner is a Switch that hands flows to a function as their replies
// arrive (*ofapp.Switch is one): vtepd's readers of large tables (the MAC
// table, dump-flows, metrics) keep only what they need of each flow
// instead of the whole table's decoded flows. The fakes of agenttest are
// not: eachFlow reads their flows whole.
type flowScanner interface {
	EachFlow(ctx context.Context, table uint8, cookie, mask uint64, fn func(*ofapp.FlowStats) error) error
	EachFlowCounters(ctx context.Context, table uint8, cookie, mask uint64, fn func(*ofapp.FlowStats) error) error
}

// eachFlow calls fn with each flow of table (allTables: every table) whose
// cookie matches cookie under mask. fn must not keep its argument, and
// must not use the switch.
func eachFlow(ctx context.Context, sw Switch, table uint8, cookie, mask uint64, fn func(*ofapp.FlowStats) error) error {
	if s, ok := sw.(flowScanner); ok {
		return s.EachFlow(ctx, table, cookie, mask, fn)
	}
	return eachRead(ctx, sw, table, cookie, mask, fn)
}

// eachFlowCounters is eachFlow for readers of counters and cookies only:
// the flows it hands over may have no match and no actions.
func eachFlowCounters(ctx context.Context, sw Switch, table uint8, cookie, mask uint64, fn func(*ofapp.FlowStats) error) error {
	if s, ok := sw.(flowScanner); ok {
		return s.EachFlowCounters(ctx, table, cookie, mask, fn)
	}
	return eachRead(ctx, sw, table, cookie, mask, fn)
}

// eachRead reads the flows whole and hands them over one by one.
func eachRead(ctx context.Context, sw Switch, table uint8, cookie, mask uint64, fn func(*ofapp.FlowStats) error) error {
	var fs []ofapp.FlowStats
	var err error
	if table == allTables {
		fs, err = sw.Flows(ctx, cookie, mask)
	} else {
		fs, err = sw.TableFlows(ctx, table, cookie, mask)
	}
	if err != nil {
		return err
	}
	for i := range fs {
		if err := fn(&fs[i]); err != nil {
			return err
		}
	}
	return nil
}

// matchReader is a Switch that reads flows without their instructions
// (*ofapp.Switch is one).
type matchReader interface {
	FlowMatches(ctx context.Context, cookie, mask uint64) ([]ofapp.FlowStats, error)
}

// ReadInstalled reads the flows Diff compares with the wanted ones: those
// whose cookie matches cookie under mask, with their keys and cookies.
// Diff reads no actions, so a switch that can leave them out does (they
// are most of the decoding of a table of 100,000 flows).
func ReadInstalled(ctx context.Context, sw Switch, cookie, mask uint64) ([]ofapp.FlowStats, error) {
	if r, ok := sw.(matchReader); ok {
		return r.FlowMatches(ctx, cookie, mask)
	}
	return sw.Flows(ctx, cookie, mask)
}
