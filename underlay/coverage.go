package underlay

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// OVS's coverage counters (ovs-appctl coverage/show) are the only place
// ovs-vswitchd counts the VXLAN it drops before any flow sees it: a header
// with the I flag unset or reserved bits set, or a truncated one, fails the
// userspace datapath's tunnel pop and is counted as
// datapath_drop_tunnel_pop_error. TunnelDropCounters names the counters
// vtepd reports and the reason each stands for.

// TunnelDropCounters maps each coverage counter of dropped tunnel traffic
// to the reason vtepd reports it under.
var TunnelDropCounters = map[string]string{
	// VXLAN header invalid (I flag unset, reserved bits set), truncated,
	// or a bad outer checksum: the datapath's tunnel pop failed.
	"datapath_drop_tunnel_pop_error": "tunnel_pop_error",
	// tunnel traffic for a port that is no tunnel port
	"datapath_drop_invalid_tnl_port": "invalid_tunnel_port",
	// a packet the userspace datapath could not parse on receive
	"datapath_drop_rx_invalid_packet": "rx_invalid_packet",
	// tunnel metadata a flow cannot use (e.g. missing tunnel destination)
	"drop_action_invalid_tunnel_metadata": "invalid_tunnel_metadata",
}

// TunnelDropReasons returns the reasons of TunnelDropCounters, sorted.
func TunnelDropReasons() []string {
	out := make([]string, 0, len(TunnelDropCounters))
	for _, r := range TunnelDropCounters {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// Coverage is a parse of coverage/show: each counter's total, and the lines
// that were not a counter.
type Coverage struct {
	Totals map[string]uint64
	// Malformed are the lines that looked like counters but did not parse.
	Malformed []string
}

// ParseCoverage reads the output of coverage/show. A counter line is
//
//	NAME  RATE/sec  RATE/sec  RATE/sec  total: N
//
// The header, "N events never hit" (those counters are zero, so absent)
// and blank lines are skipped; other lines go to Malformed.
func ParseCoverage(out string) Coverage {
	c := Coverage{Totals: map[string]uint64{}}
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "Event coverage") || strings.HasSuffix(line, "events never hit") {
			continue
		}
		name, total, ok := parseCoverageLine(line)
		if !ok {
			c.Malformed = append(c.Malformed, line)
			continue
		}
		c.Totals[name] = total
	}
	return c
}

// parseCoverageLine parses one counter line.
func parseCoverageLine(line string) (string, uint64, bool) {
	f := strings.Fields(line)
	if len(f) < 3 || f[len(f)-2] != "total:" {
		return "", 0, false
	}
	n, err := strconv.ParseUint(f[len(f)-1], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return f[0], n, true
}

// TunnelDrops returns the tunnel drop counts of c by reason, every reason
// of TunnelDropCounters present (0 when OVS never hit it).
func (c Coverage) TunnelDrops() map[string]uint64 {
	out := make(map[string]uint64, len(TunnelDropCounters))
	for name, reason := range TunnelDropCounters {
		out[reason] += c.Totals[name]
	}
	return out
}

// ReadTunnelDrops reads ovs-vswitchd's coverage counters and returns its
// tunnel drops by reason.
func ReadTunnelDrops(ctx context.Context, u Caller) (map[string]uint64, error) {
	out, err := u.Call(ctx, "coverage/show")
	if err != nil {
		return nil, fmt.Errorf("read OVS's coverage counters: %w", err)
	}
	return ParseCoverage(out).TunnelDrops(), nil
}
