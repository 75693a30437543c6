package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/api"
)

const traceSynopsis = "(--in-port PORT [--vlan N] | --vni N --tun-src IP) --dl-src MAC [--dl-dst MAC] [--nw-src IP --nw-dst IP] [--proto icmp|arp|udp|tcp] [-v] [-o json] [--api ADDR | --config FILE]"

func newTraceCmd() *cobra.Command {
	var o vtepdOptions
	var r api.TraceRequest
	var vni vniFlag
	var vlan uint
	var verbose bool
	cmd := &cobra.Command{
		Use:   "trace " + traceSynopsis,
		Short: "explain one packet's path through the pipeline, table by table (ofproto/trace)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if vlan > 4094 {
				return usageErr("--vlan %d: want 1..4094", vlan)
			}
			r.VLAN, r.VNI = uint16(vlan), uint32(vni)
			if r.DlSrc == "" {
				return usageErr("--dl-src is required")
			}
			if err := r.Check(); err != nil {
				return usageErr("%s", flagNames(err.Error()))
			}
			return o.do(cmd.Context(), func(ctx context.Context, cl *api.Client) error {
				res, err := cl.Trace(ctx, r)
				if err != nil {
					return err
				}
				if o.json() {
					return writeJSONTo(cmd.OutOrStdout(), res)
				}
				return printTrace(cmd.OutOrStdout(), res, verbose)
			})
		},
	}
	o.bind(cmd)
	fs := cmd.Flags()
	fs.StringVar(&r.InPort, "in-port", "", "the VM port the frame enters on (name or OpenFlow number)")
	fs.UintVar(&vlan, "vlan", 0, "the VLAN tag the frame carries on --in-port (trunk ports); 0: untagged")
	fs.Var(&vni, "vni", "from the tunnel: the frame's VNI")
	fs.StringVar(&r.TunSrc, "tun-src", "", "from the tunnel: the sending VTEP's IPv4 address")
	fs.StringVar(&r.DlSrc, "dl-src", "", "source MAC")
	fs.StringVar(&r.DlDst, "dl-dst", "", "destination MAC (default ff:ff:ff:ff:ff:ff)")
	fs.StringVar(&r.NwSrc, "nw-src", "", "source IPv4 address")
	fs.StringVar(&r.NwDst, "nw-dst", "", "destination IPv4 address (ARP: the target)")
	fs.StringVar(&r.Proto, "proto", "", "icmp, arp, udp or tcp (default icmp when --nw-dst is given)")
	fs.BoolVarP(&verbose, "verbose", "v", false, "also show each step's match, cookie, actions and OVS's notes")
	_ = cmd.RegisterFlagCompletionFunc("proto", cobra.FixedCompletions([]string{"icmp", "arp", "udp", "tcp"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// flagNames turns the API's parameter names in an error into this
// command's option names (in_port -> --in-port).
func flagNames(s string) string {
	for _, n := range []string{"in_port", "tun_src", "dl_src", "dl_dst", "nw_src", "nw_dst", "vni", "vlan", "proto"} {
		s = strings.ReplaceAll(s, n, "--"+strings.ReplaceAll(n, "_", "-"))
	}
	return strings.ReplaceAll(s, "----", "--")
}

// printTrace prints each step as "TABLE NAME  FEATURE  explanation",
// lookups made by resubmit indented under their caller, then the verdict.
func printTrace(w io.Writer, res api.TraceResult, verbose bool) error {
	fmt.Fprintf(w, "trace on %s: %s\n\n", res.Bridge, res.Flow)
	bridge := res.Bridge
	for _, st := range res.Steps {
		if st.Bridge != bridge {
			bridge = st.Bridge
			fmt.Fprintf(w, "then on %s:\n", bridge)
		}
		ind := strings.Repeat("    ", st.Depth)
		feat := st.Feature
		if feat == "" {
			feat = "-"
		}
		if st.VNI != 0 {
			feat += fmt.Sprintf(" vni=%d", st.VNI)
		}
		fmt.Fprintf(w, "%s%2d %-13s %-26s %s\n", ind, st.Table, orDash(st.TableName), feat, st.Explain)
		if !verbose {
			continue
		}
		head := fmt.Sprintf("priority %d", st.Priority)
		if st.Match != "" {
			head = st.Match + ", " + head
		}
		if st.Cookie != "" {
			head += ", cookie " + st.Cookie
		}
		fmt.Fprintf(w, "%s       flow: %s\n", ind, head)
		for _, n := range st.Notes {
			fmt.Fprintf(w, "%s       %s\n", ind, n)
		}
		for _, a := range st.Actions {
			fmt.Fprintf(w, "%s       %s\n", ind, a.Action)
			for _, n := range a.Notes {
				fmt.Fprintf(w, "%s         -> %s\n", ind, n)
			}
		}
	}
	fmt.Fprintf(w, "\nresult: %s\n", res.Verdict)
	if verbose && res.DatapathActions != "" {
		fmt.Fprintf(w, "datapath actions: %s\n", res.DatapathActions)
	}
	return nil
}
