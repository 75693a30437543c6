package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/api"
)

func newNeighCmd() *cobra.Command {
	var o vtepdOptions
	var vni vniFlag
	cmd := &cobra.Command{
		Use:   "neigh [--vni N] [-o json] [--api ADDR | --config FILE]",
		Short: "ARP suppression's bindings: IP, MAC, VNI, source (learned or static), age",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.do(cmd.Context(), func(ctx context.Context, cl *api.Client) error {
				ns, err := cl.Neigh(ctx, uint32(vni))
				if err != nil {
					return err
				}
				if o.json() {
					return writeJSONTo(cmd.OutOrStdout(), ns)
				}
				return printNeigh(cmd.OutOrStdout(), ns)
			})
		},
	}
	o.bind(cmd)
	cmd.Flags().Var(&vni, "vni", "show only this VNI")
	return cmd
}

// printNeigh prints one binding per line.
func printNeigh(w io.Writer, ns []api.NeighEntry) error {
	if len(ns) == 0 {
		_, err := fmt.Fprintln(w, "no ARP suppression bindings")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VNI\tIP\tMAC\tSOURCE\tAGE\tHITS")
	for _, n := range ns {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\n", n.VNI, n.IP, n.MAC, n.Source, formatAge(n.Age), n.Hits)
	}
	return tw.Flush()
}
