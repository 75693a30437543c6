package main

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/api"
)

// newMACsFlushCmd is "macs flush MAC [--vni N]": it unfreezes a MAC that
// vtepd froze for flapping (POST /v1/macs/flush).
func newMACsFlushCmd() *cobra.Command {
	var o vtepdOptions
	var vni vniFlag
	cmd := &cobra.Command{
		Use:   "flush MAC [--vni N] [-o json] [--api ADDR | --config FILE]",
		Short: "unfreeze a MAC frozen for flapping (every VNI, or --vni N): it is learned again wherever it speaks",
		Args: func(_ *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return usageErr("MAC required")
			case len(args) > 1:
				return usageErr("unexpected argument %q", args[1])
			}
			if hw, err := net.ParseMAC(args[0]); err != nil || len(hw) != 6 {
				return usageErr("MAC %q: want an Ethernet address such as 02:00:00:00:00:0a", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.do(cmd.Context(), func(ctx context.Context, cl *api.Client) error {
				res, err := cl.FlushMAC(ctx, api.FlushQuery{MAC: args[0], VNI: uint32(vni)})
				if err != nil {
					return err
				}
				if o.json() {
					return writeJSONTo(cmd.OutOrStdout(), res)
				}
				return printFlushed(cmd.OutOrStdout(), res)
			})
		},
	}
	o.bind(cmd)
	cmd.Flags().Var(&vni, "vni", "unfreeze the MAC in this VNI only")
	return cmd
}

// printFlushed prints one line per MAC unfrozen.
func printFlushed(w io.Writer, res api.FlushResult) error {
	for _, k := range res.Unfrozen {
		if _, err := fmt.Fprintf(w, "unfrozen %s in VNI %d\n", k.MAC, k.VNI); err != nil {
			return err
		}
	}
	return nil
}

// appendFrozen appends the FROZEN cell of macs: "-", or "yes, flapped
// with PLACE".
func appendFrozen(b []byte, m *api.MACEntry) []byte {
	switch {
	case !m.Frozen:
		return append(b, '-')
	case m.FlappedWith == "":
		return append(b, "yes"...)
	}
	return append(append(b, "yes, flapped with "...), m.FlappedWith...)
}
