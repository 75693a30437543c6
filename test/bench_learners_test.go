package test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
)

// The learners BenchmarkLearnRate measures vtep against.

// oneSenderBridge adds bridge prefix+name to hv1's OVS (with the extra
// Bridge columns) and a veth into it from a fresh namespace, which it
// returns with the bridge's name.
func oneSenderBridge(b *testing.B, r *labs.Running, prefix, name string, columns ...string) (string, string) {
	b.Helper()
	ctx := ctxT(b, time.Minute)
	ns := labstest.Netns(b, prefix, name)
	port := prefix + name + "1"
	if err := labs.AddVeth(ctx, labs.End{Netns: ns, Name: "eth0"}, labs.End{Netns: r.Netns("hv1"), Name: port}); err != nil {
		b.Fatal(err)
	}
	br := prefix + name
	args := append([]string{"add-br", br, "--", "set", "bridge", br, "datapath_type=netdev"}, columns...)
	if _, err := r.OVS["hv1"].Vsctl(ctx, append(args, "--", "add-port", br, port)...); err != nil {
		b.Fatal(err)
	}
	return ns, br
}

var fdbEntries = regexp.MustCompile(`Current/maximum MAC entries in the table: (\d+)`)

// normalBridge adds to hv1's OVS a bridge that forwards with the NORMAL
// action (OVS's own MAC learning, table large and ageing long enough for
// the run) and a veth from a fresh namespace into it, and to hv2's OVS
// another such bridge, linked to the first by a veth: the NORMAL
// counterpart of vtep's remote VTEP, which learns every frame the first
// floods, on the other ovs-vswitchd, as hv2's vtep does (so each round
// keeps both hypervisors' ovs-vswitchd as busy as vtep's round does). It
// returns the namespace and counters of the two bridges' MAC tables.
func normalBridge(b *testing.B, r *labs.Running, prefix string) (string, func() (int, error), func() (int, error)) {
	b.Helper()
	columns := []string{"fail_mode=standalone", "other_config:mac-table-size=200000", "other_config:mac-aging-time=3600"}
	ns, br := oneSenderBridge(b, r, prefix, "n", columns...)
	ctx := ctxT(b, time.Minute)
	link1, link2, br2 := prefix+"nl1", prefix+"nl2", prefix+"n2"
	if err := labs.AddVeth(ctx, labs.End{Netns: r.Netns("hv1"), Name: link1}, labs.End{Netns: r.Netns("hv2"), Name: link2}); err != nil {
		b.Fatal(err)
	}
	if _, err := r.OVS["hv1"].Vsctl(ctx, "add-port", br, link1); err != nil {
		b.Fatal(err)
	}
	args := append([]string{"add-br", br2, "--", "set", "bridge", br2, "datapath_type=netdev"}, columns...)
	if _, err := r.OVS["hv2"].Vsctl(ctx, append(args, "--", "add-port", br2, link2)...); err != nil {
		b.Fatal(err)
	}
	return ns, fdbCounter(b, r, "hv1", br), fdbCounter(b, r, "hv2", br2)
}

// fdbCounter counts the entries of a NORMAL bridge's MAC table.
func fdbCounter(b *testing.B, r *labs.Running, hv, br string) func() (int, error) {
	return func() (int, error) {
		out, err := r.OVS[hv].Appctl(ctxT(b, 30*time.Second), "fdb/stats-show", br)
		if err != nil {
			return 0, err
		}
		m := fdbEntries.FindStringSubmatch(out)
		if m == nil {
			return 0, fmt.Errorf("fdb/stats-show %s: no entry count in %q", br, out)
		}
		return strconv.Atoi(m[1])
	}
}

// learnBridge adds to hv1's OVS the least switch that learns with the
// learn action, as ovs-actions(7) describes one: table 0 learns (dl_dst =
// this dl_src -> output to this in_port) into table 1 and looks the frame
// up there; a miss floods. It has one port, a veth from a fresh namespace,
// like NORMAL's bridge. It returns the namespace, a counter of the
// learned flows and a func that deletes them. Against it vtep's rate
// tells what vtep's pipeline costs beyond the learn action itself.
func learnBridge(b *testing.B, r *labs.Running, prefix string) (string, func() (int, error), func() error) {
	b.Helper()
	ns, br := oneSenderBridge(b, r, prefix, "o", "fail_mode=secure")
	for _, f := range []string{
		"table=0,actions=learn(table=1,hard_timeout=3600,cookie=0x1,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),resubmit(,1)",
		"table=1,priority=0,actions=flood",
	} {
		if _, err := r.OVS["hv1"].Ofctl(ctxT(b, time.Minute), "add-flow", br, f); err != nil {
			b.Fatal(err)
		}
	}
	count := aggregateCounter(b, r, "hv1", br, "table=1,cookie=0x1/-1")
	flush := func() error {
		_, err := r.OVS["hv1"].Ofctl(ctxT(b, 30*time.Second), "del-flows", br, "table=1,cookie=0x1/-1")
		return err
	}
	return ns, count, flush
}

// linuxBridge makes a Linux bridge br0 in a fresh namespace (ageing an
// hour) with a veth from another, and returns the sender's namespace, the
// bridge's and a counter of the MACs the bridge learned.
func linuxBridge(b *testing.B, prefix string) (string, string, func() (int, error)) {
	b.Helper()
	ctx := ctxT(b, time.Minute)
	ns, bns := labstest.Netns(b, prefix, "l"), labstest.Netns(b, prefix, "lb")
	if err := labs.AddVeth(ctx, labs.End{Netns: ns, Name: "eth0"}, labs.End{Netns: bns, Name: "p0"}); err != nil {
		b.Fatal(err)
	}
	for _, args := range [][]string{
		{"ip", "link", "add", "br0", "type", "bridge", "ageing_time", "360000"},
		{"ip", "link", "set", "p0", "master", "br0"},
		{"ip", "link", "set", "br0", "up"},
	} {
		if _, err := labs.Exec(ctx, bns, args[0], args[1:]...); err != nil {
			b.Fatal(err)
		}
	}
	return ns, bns, func() (int, error) {
		out, err := labs.Exec(ctxT(b, 30*time.Second), bns, "bridge", "fdb", "show", "br", "br0", "dynamic")
		if err != nil {
			return 0, err
		}
		return strings.Count(out, "\n"), nil
	}
}
