package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/api"
)

func newMACsCmd() *cobra.Command {
	cmd := vniListCommand("macs [--vni N] [-o json] [--api ADDR | --config FILE]",
		"the MAC table: MAC, VNI, remote VTEP or local port and VLAN, source (learned, static, evpn) and sequence, age, hits, frozen",
		(*api.Client).MACs, printMACs)
	cmd.AddCommand(newMACsFlushCmd())
	return cmd
}

// printMACs prints the learned table the way an operator reads a VTEP's table: one MAC
// per line with its VNI and where it is, a remote VTEP or a local port.
func printMACs(w io.Writer, ms []api.MACEntry) error {
	if len(ms) == 0 {
		_, err := fmt.Fprintln(w, "no learned MACs")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VNI\tMAC\tWHERE\tPORT\tVLAN\tSOURCE\tAGE\tHITS\tFROZEN")
	for _, m := range ms {
		where, vlan := "local", "-"
		if m.Remote {
			where = "VTEP " + m.VTEP
		} else if m.VLAN != 0 {
			vlan = fmt.Sprint(m.VLAN)
		} else {
			vlan = "untagged"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", m.VNI, m.MAC, where, m.Port, vlan, sourceCell(m), formatAge(m.Age), m.Hits, frozenCell(m))
	}
	return tw.Flush()
}

// sourceCell says where an entry comes from, with its MAC mobility
// sequence when it has one ("evpn seq 3").
func sourceCell(m api.MACEntry) string {
	src := m.Source
	if src == "" {
		src = api.SourceLearned
	}
	if m.Seq > 0 {
		src += fmt.Sprintf(" seq %d", m.Seq)
	}
	return src
}
