package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/pipeline"
)

const dumpFlowsSynopsis = "[--vni N] [--bridge overlay|underlay] [--table N|NAME] [--diff] [-o json] [--api ADDR | --config FILE]"

func init() {
	register("dump-flows", command{usage: dumpFlowsSynopsis,
		summary: "flows by table name with feature, VNI and counters; --diff: what differs from what vtepd wants", run: runDumpFlows})
}

func runDumpFlows(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newVtepdCommand("dump-flows", dumpFlowsSynopsis, stderr)
	var vni vniFlag
	c.fs.Var(&vni, "vni", "show only flows of this VNI")
	bridge := c.fs.String("bridge", "", "show only the overlay or the underlay bridge (default: both)")
	table := c.fs.String("table", "", "show only this table (number or name, e.g. mac)")
	diff := c.fs.Bool("diff", false, "show what differs from the flows vtepd wants installed (empty when converged)")
	if code, ok := c.parse(args, stderr); !ok {
		return code
	}
	q := api.FlowQuery{Role: *bridge, VNI: uint32(vni), Table: -1}
	switch *bridge {
	case "", api.BridgeOverlay, api.BridgeUnderlay:
	default:
		return c.usageError(stderr, "--bridge %q: want %s or %s", *bridge, api.BridgeOverlay, api.BridgeUnderlay)
	}
	if *table != "" {
		t, err := parseTable(*table)
		if err != nil {
			return c.usageError(stderr, "--table %q: %v", *table, err)
		}
		q.Table = t
	}
	if *diff && (*table != "" || vni != 0) {
		return c.usageError(stderr, "--diff compares whole bridges: drop --table and --vni")
	}
	return c.exec(ctx, stderr, func(ctx context.Context, cl *api.Client) error {
		if *diff {
			ds, err := cl.FlowDiff(ctx, q.Role)
			if err != nil {
				return err
			}
			if c.output == "json" {
				return writeJSONTo(stdout, ds)
			}
			return printFlowDiffs(stdout, ds)
		}
		fs, err := cl.Flows(ctx, q)
		if err != nil {
			return err
		}
		if c.output == "json" {
			return writeJSONTo(stdout, fs)
		}
		return printFlows(stdout, fs)
	})
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
	if len(fs) == 0 {
		_, err := fmt.Fprintln(w, "no flows")
		return err
	}
	var tw *tabwriter.Writer
	bridge, table := "", -1
	for _, f := range fs {
		if f.Bridge != bridge {
			if tw != nil {
				tw.Flush()
				fmt.Fprintln(w)
			}
			bridge, table = f.Bridge, -1
			fmt.Fprintf(w, "bridge %s (%s)\n", f.Bridge, f.Role)
		}
		if int(f.Table) != table {
			if tw != nil {
				tw.Flush()
			}
			table = int(f.Table)
			fmt.Fprintf(w, "table %d %s\n", f.Table, orDash(f.TableName))
			tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "  PRIO\tFEATURE\tVNI\tKIND\tPACKETS\tBYTES\tAGE\tMATCH\tACTIONS")
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", f.Priority, orDash(f.Feature), vniText(f.VNI),
			flowKind(f), f.Packets, f.Bytes, formatAge(f.Duration), orDash(f.Match), f.Actions)
	}
	return tw.Flush()
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

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
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
