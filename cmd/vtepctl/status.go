package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/api"
)

// statusReport is what status prints: vtepd's status plus the flows per
// table (nil when they could not be read, with FlowsError saying why).
type statusReport struct {
	api.Status
	Flows      []tableCount `json:"flows_per_table"`
	FlowsError string       `json:"flows_error,omitempty"`
}

// tableCount is the number of flows of one table of one bridge.
type tableCount struct {
	Bridge     string `json:"bridge"`
	Table      uint8  `json:"table"`
	Name       string `json:"name,omitempty"`
	Programmed int    `json:"programmed"`
	Learned    int    `json:"learned"`
	Foreign    int    `json:"foreign"`
}

func newStatusCmd() *cobra.Command {
	var o vtepdOptions
	cmd := &cobra.Command{
		Use:   "status [-o json] [--api ADDR | --config FILE]",
		Short: "vtepd's state: switches, ports with VLANs and VNIs, groups, flood mode, flows per table, health; exits 1 when unhealthy",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.do(cmd.Context(), func(ctx context.Context, cl *api.Client) error {
				s, err := cl.Status(ctx)
				if err != nil {
					return err
				}
				rep := statusReport{Status: s}
				if fs, err := cl.Flows(ctx, api.FlowQuery{Table: -1}); err != nil {
					rep.FlowsError = err.Error()
				} else {
					rep.Flows = countFlows(fs)
				}
				if o.json() {
					err = writeJSONTo(cmd.OutOrStdout(), rep)
				} else {
					err = printStatus(cmd.OutOrStdout(), rep)
				}
				if err != nil {
					return err
				}
				return unhealthy(s.Health)
			})
		},
	}
	o.bind(cmd)
	return cmd
}

// unhealthy returns an error naming the failed health checks, or nil: status
// exits 1 when vtepd is not forwarding as configured.
func unhealthy(h api.Health) error {
	if h.Healthy {
		return nil
	}
	var parts []string
	for _, c := range h.Failed() {
		parts = append(parts, c.Name+": "+c.Detail)
	}
	if len(parts) == 0 {
		parts = append(parts, "no checks reported")
	}
	return fmt.Errorf("unhealthy: %s", strings.Join(parts, "; "))
}

// healthLine is the one-line health summary.
func healthLine(h api.Health) string {
	if h.Healthy {
		return "ok"
	}
	var names []string
	for _, c := range h.Failed() {
		names = append(names, c.Name)
	}
	return "UNHEALTHY (" + strings.Join(names, ", ") + ")"
}

// countFlows counts flows per bridge and table by kind.
func countFlows(fs []api.FlowEntry) []tableCount {
	idx := map[[2]string]int{}
	out := []tableCount{}
	for _, f := range fs {
		k := [2]string{f.Bridge, fmt.Sprint(f.Table)}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, tableCount{Bridge: f.Bridge, Table: f.Table, Name: f.TableName})
		}
		switch flowKind(f) {
		case "learned":
			out[i].Learned++
		case "foreign":
			out[i].Foreign++
		default:
			out[i].Programmed++
		}
	}
	return out
}

func upDown(b bool) string {
	if b {
		return "connected"
	}
	return "NOT CONNECTED"
}

func printStatus(w io.Writer, r statusReport) error {
	s := r.Status
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "vtepd\t%s\n", s.Version)
	fmt.Fprintf(tw, "health\t%s\n", healthLine(s.Health))
	fmt.Fprintf(tw, "overlay bridge\t%s (dpid %s): %s\n", s.Bridge, s.OverlayDPID, upDown(s.OverlayConnected))
	fmt.Fprintf(tw, "underlay bridge\t%s: %s\n", s.UnderlayBridge, upDown(s.UnderlayConnected))
	fmt.Fprintf(tw, "uplink\t%s\n", uplinkLine(s.Uplink))
	fmt.Fprintf(tw, "local VTEP IP\t%s\n", s.LocalIP)
	flood := s.FloodMode
	if len(s.Peers) > 0 {
		flood += " to peers " + strings.Join(s.Peers, ", ")
	}
	fmt.Fprintf(tw, "flood mode\t%s\n", flood)
	groups := "none"
	if len(s.GroupsJoined) > 0 {
		groups = strings.Join(s.GroupsJoined, ", ")
	}
	fmt.Fprintf(tw, "groups joined\t%s\n", groups)
	tw.Flush()

	fmt.Fprintln(w, "\nhealth checks:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range s.Health.Checks {
		state := "ok"
		if !c.OK {
			state = "FAILED"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Name, state, c.Detail)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nnetworks:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  VNI\tVLAN\tGROUP\tSUBNETS")
	for _, n := range s.Networks {
		vlan := "-"
		if n.VLAN != 0 {
			vlan = fmt.Sprint(n.VLAN)
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\n", n.VNI, vlan, orDash(n.Group), orDash(strings.Join(n.Subnets, ",")))
	}
	tw.Flush()
	printStormControl(w, s.Networks)
	printLearningPaused(w, s.Networks)
	printARPSuppression(w, s.Networks)

	fmt.Fprintln(w, "\nports:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  PORT\tOFPORT\tVLANS\tVNIS\tMTU")
	for _, p := range s.Ports {
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\n", p.Name, p.OFPort, portVLANs(p), orDash(joinUints(p.VNIs)), portMTU(p))
	}
	tw.Flush()
	printOversize(w, s)

	fmt.Fprintln(w, "\nflows per table:")
	if r.FlowsError != "" {
		fmt.Fprintf(w, "  unavailable: %s\n", r.FlowsError)
	} else {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  BRIDGE\tTABLE\tPROGRAMMED\tLEARNED\tFOREIGN")
		for _, t := range r.Flows {
			fmt.Fprintf(tw, "  %s\t%d %s\t%d\t%d\t%d\n", t.Bridge, t.Table, orDash(t.Name), t.Programmed, t.Learned, t.Foreign)
		}
		tw.Flush()
	}

	return printActivity(w, s)
}

// printActivity prints what vtepd has done: reconciles, bundles, reloads,
// packet-ins and errors.
func printActivity(w io.Writer, s api.Status) error {
	st := s.Stats
	fmt.Fprintln(w, "\nactivity:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	last := "never"
	if !st.LastReconcile.IsZero() {
		last = fmt.Sprintf("%s ago, took %s", formatAge(time.Since(st.LastReconcile).Seconds()), st.LastDuration.Round(time.Microsecond))
	}
	fmt.Fprintf(tw, "  reconciles\t%d (last %s)\n", st.Reconciles, last)
	fmt.Fprintf(tw, "  bundles committed\t%d (%d flow and group changes)\n", st.Bundles, st.FlowMods)
	reloads := fmt.Sprintf("%d applied, %d rejected, %d failed", st.ConfigReloads, st.ReloadRejected, st.ReloadFailed)
	if st.LastReloadError != "" {
		reloads += fmt.Sprintf(" (last %s ago: %s)", formatAge(time.Since(st.LastReloadTime).Seconds()), st.LastReloadError)
	}
	fmt.Fprintf(tw, "  config reloads\t%s\n", reloads)
	fmt.Fprintf(tw, "  packet-ins\t%d\n", s.PacketIns)
	fmt.Fprintf(tw, "  OVS tunnel drops\t%s\n", ovsDrops(s))
	fmt.Fprintf(tw, "  MAC moves\t%d, %d flapping MACs frozen (%d now; vtepctl macs flags them)\n", s.MACMoves, s.MACFlaps, s.FrozenMACs)
	errs := fmt.Sprint(st.Errors)
	if st.LastError != "" {
		errs += fmt.Sprintf(" (last %s ago: %s)", formatAge(time.Since(st.LastErrorTime).Seconds()), st.LastError)
	}
	fmt.Fprintf(tw, "  errors\t%s\n", errs)
	return tw.Flush()
}

func portVLANs(p api.PortStatus) string {
	switch {
	case p.Tag != 0:
		return fmt.Sprintf("access %d", p.Tag)
	case len(p.Trunks) > 0:
		ts := make([]uint32, len(p.Trunks))
		for i, t := range p.Trunks {
			ts[i] = uint32(t)
		}
		return "trunk " + joinUints(ts)
	}
	return "untagged"
}

func joinUints(vs []uint32) string {
	s := append([]uint32(nil), vs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ",")
}

// ovsDrops prints OVS's tunnel drops as "N (reason N, ...)", nonzero
// reasons only, or why they are unknown.
func ovsDrops(s api.Status) string {
	if s.OVSTunnelDrops == nil {
		return "unknown: " + orDash(s.OVSTunnelDropsError)
	}
	var total uint64
	var parts []string
	for _, r := range slices.Sorted(maps.Keys(s.OVSTunnelDrops)) {
		n := s.OVSTunnelDrops[r]
		total += n
		if n != 0 {
			parts = append(parts, fmt.Sprintf("%s %d", r, n))
		}
	}
	if len(parts) == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}

// printStormControl lists the networks with a BUM rate and the frames
// their meters dropped ("-" when the meters could not be read); nothing
// when no network has one.
func printStormControl(w io.Writer, nets []api.NetworkStatus) {
	var rows []api.NetworkStatus
	for _, n := range nets {
		if n.BUMPPS != 0 {
			rows = append(rows, n)
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w, "\nstorm control:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  VNI\tBUM_PPS\tDROPPED")
	for _, n := range rows {
		dropped := "-"
		if n.BUMDropped != nil {
			dropped = fmt.Sprint(*n.BUMDropped)
		}
		fmt.Fprintf(tw, "  %d\t%d\t%s\n", n.VNI, n.BUMPPS, dropped)
	}
	tw.Flush()
}

// printLearningPaused lists the places that paused learning at a MAC
// limit, when any.
func printLearningPaused(w io.Writer, nets []api.NetworkStatus) {
	header := false
	for _, n := range nets {
		if len(n.LearningPaused) == 0 {
			continue
		}
		if !header {
			fmt.Fprintln(w, "\nlearning paused (max_macs refused a burst of new sources; frames still flood):")
			header = true
		}
		fmt.Fprintf(w, "  VNI %d: %s\n", n.VNI, strings.Join(n.LearningPaused, ", "))
	}
}

// printARPSuppression lists the networks with an ARP responder, when any.
func printARPSuppression(w io.Writer, nets []api.NetworkStatus) {
	var rows []string
	for _, n := range nets {
		if n.ARPSuppression != "" {
			rows = append(rows, fmt.Sprintf("  %d\t%s\n", n.VNI, n.ARPSuppression))
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w, "\narp suppression (bindings: vtepctl neigh):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  VNI\tMODE")
	for _, r := range rows {
		fmt.Fprint(tw, r)
	}
	tw.Flush()
}
