package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// learnedEntry is one MAC a VTEP learned in the data plane: a flow the
// learn action put into the mac table (table 30).
type learnedEntry struct {
	MAC    string
	VNI    uint32
	Remote netip.Addr // the VTEP the MAC is behind (outer source IP); invalid for local
	Port   string     // the local port, for a local MAC
	Age    string     // how long ago the entry was learned
}

// Where says where the MAC is, in the seed's terms.
func (e learnedEntry) Where() string {
	if e.Remote.IsValid() {
		return "VTEP " + e.Remote.String()
	}
	return "local port " + e.Port
}

var (
	flowCookieRe = regexp.MustCompile(`cookie=(0x[0-9a-f]+)`)
	flowDlDstRe  = regexp.MustCompile(`dl_dst=([0-9a-f:]{17})`)
	flowReg2Re   = regexp.MustCompile(`load:(0x[0-9a-f]+|\d+)->NXM_NX_REG2\[\]`)
	flowReg3Re   = regexp.MustCompile(`load:(0x[0-9a-f]+|\d+)->NXM_NX_REG3\[0\.\.15\]`)
	flowDurRe    = regexp.MustCompile(`duration=([0-9.]+)s`)
	portDescRe   = regexp.MustCompile(`(?m)^\s*(\d+)\(([^)]+)\):`)
)

// parseLearned reads the learned entries out of `ovs-ofctl dump-flows
// br-int table=30`: flows whose cookie says learned-remote or learned-local.
// ports maps OpenFlow port numbers to names.
func parseLearned(dump string, ports map[uint32]string) ([]learnedEntry, error) {
	var out []learnedEntry
	for _, line := range strings.Split(dump, "\n") {
		m := flowCookieRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		v, err := strconv.ParseUint(m[1], 0, 64)
		if err != nil {
			return nil, fmt.Errorf("flow %q: cookie %s: %w", strings.TrimSpace(line), m[1], err)
		}
		c := pipeline.Cookie(v)
		f := pipeline.Feature(uint64(c&pipeline.CookieFeatureMask) >> 56)
		if f != pipeline.FeatureLearnedRemote && f != pipeline.FeatureLearnedLocal {
			continue
		}
		e := learnedEntry{VNI: uint32(c & pipeline.CookieVNIMask)}
		if m := flowDlDstRe.FindStringSubmatch(line); m != nil {
			e.MAC = m[1]
		} else {
			return nil, fmt.Errorf("learned flow %q has no dl_dst", strings.TrimSpace(line))
		}
		if m := flowDurRe.FindStringSubmatch(line); m != nil {
			if d, err := strconv.ParseFloat(m[1], 64); err == nil {
				e.Age = fmt.Sprintf("%.0fs", d)
			}
		}
		if f == pipeline.FeatureLearnedRemote {
			m := flowReg2Re.FindStringSubmatch(line)
			if m == nil {
				return nil, fmt.Errorf("learned-remote flow %q does not load reg2", strings.TrimSpace(line))
			}
			ip, err := strconv.ParseUint(m[1], 0, 32)
			if err != nil {
				return nil, fmt.Errorf("learned-remote flow %q: reg2 %s: %w", strings.TrimSpace(line), m[1], err)
			}
			e.Remote = netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)})
		} else {
			e.Port = "?"
			if m := flowReg3Re.FindStringSubmatch(line); m != nil {
				if n, err := strconv.ParseUint(m[1], 0, 16); err == nil {
					e.Port = strconv.FormatUint(n, 10)
					if name, ok := ports[uint32(n)]; ok {
						e.Port = name
					}
				}
			}
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].VNI != out[j].VNI {
			return out[i].VNI < out[j].VNI
		}
		return out[i].MAC < out[j].MAC
	})
	return out, nil
}

// parsePortDescs maps port numbers to names in `ovs-ofctl dump-ports-desc`.
func parsePortDescs(out string) map[uint32]string {
	ports := map[uint32]string{}
	for _, m := range portDescRe.FindAllStringSubmatch(out, -1) {
		if n, err := strconv.ParseUint(m[1], 10, 32); err == nil {
			ports[uint32(n)] = m[2]
		}
	}
	return ports
}

// readLearned reads a hypervisor's learned MAC table from its overlay bridge.
func readLearned(ctx context.Context, o *labs.OVS) ([]learnedEntry, error) {
	dump, err := o.Ofctl(ctx, "dump-flows", labs.DefaultOverlayBridge, "table=30")
	if err != nil {
		return nil, err
	}
	descs, err := o.Ofctl(ctx, "dump-ports-desc", labs.DefaultOverlayBridge)
	if err != nil {
		return nil, err
	}
	return parseLearned(dump, parsePortDescs(descs))
}

// printLearned prints a learned table: MAC, VNI, where (VTEP or local port), age.
func printLearned(w io.Writer, indent string, entries []learnedEntry) {
	if len(entries) == 0 {
		fmt.Fprintf(w, "%s(no MAC learned)\n", indent)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%sMAC\tVNI\tBEHIND\tAGE\n", indent)
	for _, e := range entries {
		fmt.Fprintf(tw, "%s%s\t%d\t%s\t%s\n", indent, e.MAC, e.VNI, e.Where(), e.Age)
	}
	_ = tw.Flush()
}

func parseAddr(s string) (netip.Addr, error) { return netip.ParseAddr(s) }
