package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/vtep/vtep/api"
)

const traceSynopsis = "(--in-port PORT [--vlan N] | --vni N --tun-src IP) --dl-src MAC [--dl-dst MAC] [--nw-src IP --nw-dst IP] [--proto icmp|arp|udp|tcp] [-v] [-o json] [--api ADDR | --config FILE]"

func init() {
	register("trace", command{usage: "(--in-port PORT [--vlan N] | --vni N --tun-src IP) --dl-src MAC [--dl-dst MAC] ...",
		summary: "explain one packet's path through the pipeline, table by table (ofproto/trace)", run: runTrace})
}

func runTrace(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newVtepdCommand("trace", traceSynopsis, stderr)
	var r api.TraceRequest
	var vni vniFlag
	var vlan uint
	c.fs.StringVar(&r.InPort, "in-port", "", "the VM port the frame enters on (name or OpenFlow number)")
	c.fs.UintVar(&vlan, "vlan", 0, "the VLAN tag the frame carries on --in-port (trunk ports); 0: untagged")
	c.fs.Var(&vni, "vni", "from the tunnel: the frame's VNI")
	c.fs.StringVar(&r.TunSrc, "tun-src", "", "from the tunnel: the sending VTEP's IPv4 address")
	c.fs.StringVar(&r.DlSrc, "dl-src", "", "source MAC")
	c.fs.StringVar(&r.DlDst, "dl-dst", "", "destination MAC (default ff:ff:ff:ff:ff:ff)")
	c.fs.StringVar(&r.NwSrc, "nw-src", "", "source IPv4 address")
	c.fs.StringVar(&r.NwDst, "nw-dst", "", "destination IPv4 address (ARP: the target)")
	c.fs.StringVar(&r.Proto, "proto", "", "icmp, arp, udp or tcp (default icmp when --nw-dst is given)")
	verbose := c.fs.Bool("v", false, "also show each step's match, cookie, actions and OVS's notes")
	if code, ok := c.parse(args, stderr); !ok {
		return code
	}
	if vlan > 4094 {
		return c.usageError(stderr, "--vlan %d: want 1..4094", vlan)
	}
	r.VLAN, r.VNI = uint16(vlan), uint32(vni)
	if r.DlSrc == "" {
		return c.usageError(stderr, "--dl-src is required")
	}
	if err := r.Check(); err != nil {
		return c.usageError(stderr, "%s", flagNames(err.Error()))
	}
	return c.exec(ctx, stderr, func(ctx context.Context, cl *api.Client) error {
		res, err := cl.Trace(ctx, r)
		if err != nil {
			return err
		}
		if c.output == "json" {
			return writeJSONTo(stdout, res)
		}
		return printTrace(stdout, res, *verbose)
	})
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
		fmt.Fprintf(w, "%s%2d %-10s %-26s %s\n", ind, st.Table, orDash(st.TableName), feat, st.Explain)
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
