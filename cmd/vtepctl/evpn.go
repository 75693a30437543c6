package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/api"
)

func newEVPNCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "evpn peers|routes",
		Short: "the BGP EVPN control plane: sessions and routes",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErr("evpn needs a subcommand: peers or routes")
		},
	}
	cmd.AddCommand(newEVPNPeersCmd(), newEVPNRoutesCmd())
	return cmd
}

func newEVPNPeersCmd() *cobra.Command {
	return listCommand("peers [-o json] [--api ADDR | --config FILE]",
		"the BGP neighbours: session state, uptime, EVPN routes received",
		(*api.Client).EVPNPeers, printEVPNPeers)
}

// routeType is --type: 2 or 3.
type routeType uint8

func (t *routeType) String() string { return fmt.Sprint(uint8(*t)) }

// Type names the value in the option list.
func (t *routeType) Type() string { return "2|3" }

// Set parses a route type.
func (t *routeType) Set(s string) error {
	switch s {
	case "2", "3":
		*t = routeType(s[0] - '0')
		return nil
	}
	return fmt.Errorf("want 2 (MAC) or 3 (inclusive multicast)")
}

func newEVPNRoutesCmd() *cobra.Command {
	var vni vniFlag
	var typ routeType
	cmd := listCommand("routes [--vni N] [--type 2|3] [-o json] [--api ADDR | --config FILE]",
		"the EVPN routes of the local networks, received and advertised",
		func(cl *api.Client, ctx context.Context) ([]api.EVPNRoute, error) {
			return cl.EVPNRoutes(ctx, api.EVPNRouteQuery{VNI: uint32(vni), Type: uint8(typ)})
		}, printEVPNRoutes)
	cmd.Flags().Var(&vni, "vni", "show only this VNI")
	cmd.Flags().Var(&typ, "type", "show only this route type")
	return cmd
}

func newVTEPsCmd() *cobra.Command {
	return vniListCommand("vteps [--vni N] [-o json] [--api ADDR | --config FILE]",
		"the remote VTEPs of each network and where they are known from (evpn, learned, config)",
		(*api.Client).VTEPs, printVTEPs)
}

func printEVPNPeers(w io.Writer, ps []api.EVPNPeer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NEIGHBOR\tAS\tSTATE\tUPTIME\tRECEIVED\tACCEPTED\tEOR")
	for _, p := range ps {
		up := "-"
		if p.State == "established" {
			up = (time.Duration(p.Uptime) * time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%d\t%s\n", p.Address, p.ASN, p.State, up, p.Received, p.Accepted, yesNo(p.EndOfRIB))
	}
	return tw.Flush()
}

func printEVPNRoutes(w io.Writer, rs []api.EVPNRoute) error {
	if len(rs) == 0 {
		_, err := fmt.Fprintln(w, "no EVPN routes")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VNI\tTYPE\tMAC\tIP\tVTEP\tSEQ\tRD\tFROM")
	for _, r := range rs {
		from := "local"
		if r.Peer != "" {
			from = r.Peer
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%d\t%s\t%s\n", r.VNI, r.Type, orDash(r.MAC), orDash(r.IP), r.VTEP, r.Seq, r.RD, from)
	}
	return tw.Flush()
}

func printVTEPs(w io.Writer, vs []api.VTEPEntry) error {
	if len(vs) == 0 {
		_, err := fmt.Fprintln(w, "no remote VTEPs")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VNI\tVTEP\tMACS\tSOURCES")
	for _, v := range vs {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\n", v.VNI, v.VTEP, v.MACs, strings.Join(v.Sources, ","))
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
