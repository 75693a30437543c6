package main

import (
	"context"
	"fmt"
	"io"
	"strings"
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
	return printList(w, ps, "", "NEIGHBOR\tAS\tSTATE\tUPTIME\tRECEIVED\tACCEPTED\tEOR", func(p *api.EVPNPeer) string {
		up := "-"
		if p.State == "established" {
			up = (time.Duration(p.Uptime) * time.Second).String()
		}
		return fmt.Sprintf("%s\t%d\t%s\t%s\t%d\t%d\t%s", p.Address, p.ASN, p.State, up, p.Received, p.Accepted, yesNo(p.EndOfRIB))
	})
}

func printEVPNRoutes(w io.Writer, rs []api.EVPNRoute) error {
	return printList(w, rs, "no EVPN routes", "VNI\tTYPE\tMAC\tIP\tVTEP\tSEQ\tRD\tFROM", func(r *api.EVPNRoute) string {
		from := "local"
		if r.Peer != "" {
			from = r.Peer
		}
		return fmt.Sprintf("%d\t%d\t%s\t%s\t%s\t%d\t%s\t%s", r.VNI, r.Type, orDash(r.MAC), orDash(r.IP), r.VTEP, r.Seq, r.RD, from)
	})
}

func printVTEPs(w io.Writer, vs []api.VTEPEntry) error {
	return printList(w, vs, "no remote VTEPs", "VNI\tVTEP\tMACS\tSOURCES", func(v *api.VTEPEntry) string {
		return fmt.Sprintf("%d\t%s\t%d\t%s", v.VNI, v.VTEP, v.MACs, strings.Join(v.Sources, ","))
	})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
