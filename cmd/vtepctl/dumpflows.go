package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/pipeline"
)

const dumpFlowsSynopsis = "[--vni N] [--bridge overlay|underlay] [--table N|NAME] [--diff] [-o json] [--api ADDR | --config FILE]"

func newDumpFlowsCmd() *cobra.Command {
	var o vtepdOptions
	var vni vniFlag
	var bridge, table string
	var diff bool
	cmd := &cobra.Command{
		Use:   "dump-flows " + dumpFlowsSynopsis,
		Short: "flows by table name with feature, VNI and counters; --diff: what differs from what vtepd wants",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := api.FlowQuery{Role: bridge, VNI: uint32(vni), Table: -1}
			switch bridge {
			case "", api.BridgeOverlay, api.BridgeUnderlay:
			default:
				return usageErr("--bridge %q: want %s or %s", bridge, api.BridgeOverlay, api.BridgeUnderlay)
			}
			if table != "" {
				t, err := parseTable(table)
				if err != nil {
					return usageErr("--table %q: %v", table, err)
				}
				q.Table = t
			}
			if diff && (table != "" || vni != 0) {
				return usageErr("--diff compares whole bridges: drop --table and --vni")
			}
			return o.do(cmd.Context(), func(ctx context.Context, cl *api.Client) error {
				return dumpFlows(ctx, cl, cmd.OutOrStdout(), q, diff, o.json())
			})
		},
	}
	o.bind(cmd)
	fs := cmd.Flags()
	fs.Var(&vni, "vni", "show only flows of this VNI")
	fs.StringVar(&bridge, "bridge", "", "show only the overlay or the underlay bridge (default: both)")
	fs.StringVar(&table, "table", "", "show only this table (number or name, e.g. mac)")
	fs.BoolVar(&diff, "diff", false, "show what differs from the flows vtepd wants installed (empty when converged)")
	_ = cmd.RegisterFlagCompletionFunc("bridge", cobra.FixedCompletions([]string{api.BridgeOverlay, api.BridgeUnderlay}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("table", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var names []string
		for _, t := range pipeline.Tables() {
			names = append(names, t.Name)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// dumpFlows prints the flows the query selects, or with diff what differs
// from what vtepd wants.
func dumpFlows(ctx context.Context, cl *api.Client, w io.Writer, q api.FlowQuery, diff, asJSON bool) error {
	if diff {
		ds, err := cl.FlowDiff(ctx, q.Role)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSONTo(w, ds)
		}
		return printFlowDiffs(w, ds)
	}
	if asJSON {
		fs, err := cl.Flows(ctx, q)
		if err != nil {
			return err
		}
		return writeJSONTo(w, fs)
	}
	// read in the row format, in the switches' order, as vtepd reads them
	return printFlowsRead(w, func(fn func(*api.FlowEntry) error) error { return cl.EachFlow(ctx, q, fn) })
}

// printFlowsRead prints as printFlows the flows read hands over, in any
// order: they are sorted here, as they come (flowSorter).
func printFlowsRead(w io.Writer, read func(fn func(*api.FlowEntry) error) error) error {
	var s flowSorter
	if err := read(s.add); err != nil {
		return err
	}
	refs := s.sorted()
	p := newFlowPrinter(w)
	p.t.grow(s.size, len(refs))
	for _, r := range refs {
		if err := p.add(r.f); err != nil {
			return err
		}
	}
	return p.close()
}

// parseTable reads a table number or an overlay table name.
func parseTable(s string) (int, error) {
	if n, err := strconv.ParseUint(s, 10, 8); err == nil && n < 255 {
		return int(n), nil
	}
	var names []string
	for _, t := range pipeline.Tables() {
		if t.Name == s {
			return int(t.ID), nil
		}
		names = append(names, t.Name)
	}
	return 0, fmt.Errorf("want a number 0..254 or a table name (%s)", strings.Join(names, ", "))
}

// printFlows prints flows grouped under their bridge and table, each with
// its feature, VNI, kind (programmed, learned or foreign) and counters.
func printFlows(w io.Writer, fs []api.FlowEntry) error {
	p := newFlowPrinter(w)
	for i := range fs {
		if err := p.add(&fs[i]); err != nil {
			return err
		}
	}
	return p.close()
}

// flowPrinter prints what printFlows prints one flow at a time, the flows
// sorted by bridge and table: each table's lines are written when the next
// table begins.
type flowPrinter struct {
	w      *bufio.Writer
	t      *colTable
	bridge string
	table  int
	n      int
}

func newFlowPrinter(w io.Writer) *flowPrinter {
	return &flowPrinter{w: bufio.NewWriterSize(w, 64<<10), t: newColTable(9), table: -1}
}

// add adds a flow; flows come grouped by bridge and table.
func (p *flowPrinter) add(f *api.FlowEntry) error {
	if f.Bridge != p.bridge || int(f.Table) != p.table {
		if p.n > 0 {
			if err := p.t.flush(p.w); err != nil {
				return err
			}
		}
		if f.Bridge != p.bridge {
			if p.n > 0 {
				p.w.WriteByte('\n')
			}
			p.bridge = f.Bridge
			fmt.Fprintf(p.w, "bridge %s (%s)\n", f.Bridge, f.Role)
		}
		p.table = int(f.Table)
		fmt.Fprintf(p.w, "table %d %s\n", f.Table, orDash(f.TableName))
		for _, h := range []string{"  PRIO", "FEATURE", "VNI", "KIND", "PACKETS", "BYTES", "AGE", "MATCH", "ACTIONS"} {
			p.t.cell(h)
		}
		p.t.row()
	}
	p.n++
	t := p.t
	t.buf = strconv.AppendUint(append(t.buf, "  "...), uint64(f.Priority), 10)
	t.end()
	t.cell(orDash(f.Feature))
	if f.VNI == 0 {
		t.cell("-")
	} else {
		t.uint(uint64(f.VNI))
	}
	t.cell(flowKind(*f))
	t.uint(f.Packets)
	t.uint(f.Bytes)
	t.buf = appendAge(t.buf, f.Duration)
	t.end()
	t.cell(orDash(f.Match))
	t.cell(f.Actions)
	t.row()
	return nil
}

// close writes the last table, or "no flows".
func (p *flowPrinter) close() error {
	if p.n == 0 {
		p.w.WriteString("no flows\n")
		return p.w.Flush()
	}
	return p.t.flush(p.w)
}

// flowKind says who made a flow: vtepd (programmed), the learn action
// (learned) or someone else (foreign).
func flowKind(f api.FlowEntry) string {
	switch {
	case !f.Vtep:
		return "foreign"
	case f.Learned:
		return "learned"
	}
	return "programmed"
}

func vniText(v uint32) string {
	if v == 0 {
		return "-"
	}
	return strconv.FormatUint(uint64(v), 10)
}

// printFlowDiffs prints, per bridge, the changes that would make the
// switch equal to what vtepd wants, or "in sync".
func printFlowDiffs(w io.Writer, ds []api.FlowDiff) error {
	for _, d := range ds {
		switch {
		case d.NotChecked != "":
			fmt.Fprintf(w, "bridge %s (%s): not compared: %s\n", d.Bridge, d.Role, d.NotChecked)
			continue
		case len(d.Changes) == 0:
			fmt.Fprintf(w, "bridge %s (%s): in sync (%d flows wanted, all installed)\n", d.Bridge, d.Role, d.WantedFlows)
			continue
		}
		fmt.Fprintf(w, "bridge %s (%s): %d difference(s) from what vtepd wants\n", d.Bridge, d.Role, len(d.Changes))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  STATE\tTABLE\tFEATURE\tVNI\tFLOW")
		for _, c := range d.Changes {
			if c.Flow == nil {
				fmt.Fprintf(tw, "  %s\t-\t-\t-\t%s\n", diffState(c.Op), c.Text)
				continue
			}
			f := c.Flow
			fmt.Fprintf(tw, "  %s\t%d %s\t%s\t%s\t%s\n", diffState(c.Op), f.Table, orDash(f.TableName), orDash(f.Feature), vniText(f.VNI), c.Text)
		}
		tw.Flush()
	}
	return nil
}

// diffState says what a change means on the switch: a wanted flow is
// missing, an installed one differs from the wanted one (actions or
// timeouts, seen in the cookie), or an installed vtep flow is not wanted.
func diffState(op string) string {
	switch op {
	case "add":
		return "missing"
	case "replace":
		return "differs"
	case "delete":
		return "unwanted"
	}
	return op
}
