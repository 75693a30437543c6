package main

import (
	"fmt"
	"io"

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
	return printList(w, ns, "no ARP suppression bindings", "VNI\tIP\tMAC\tSOURCE\tAGE\tHITS", func(n *api.NeighEntry) string {
		return fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%d", n.VNI, n.IP, n.MAC, n.Source, formatAge(n.Age), n.Hits)
	})
}
