package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/api"
)

func newNeighCmd() *cobra.Command {
	return vniListCommand("neigh [--vni N] [-o json] [--api ADDR | --config FILE]",
		"ARP suppression's bindings: IP, MAC, VNI, source (learned or static), age",
		(*api.Client).Neigh, printNeigh)
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
