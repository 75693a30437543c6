package test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/agent"
	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// bigVTEP is a VTEP with 4,096 VNIs (4,094 on VLANs 1..4094, two classified
// by subnet) spread over 16 groups, and 8 trunk ports carrying every VLAN:
// the shape of pipeline's Build benchmark, on real ports.
func bigVTEP(b *testing.B, tunnel uint32, ports []uint32) pipeline.State {
	c := config.Default()
	c.Underlay.Uplink = "eth0"
	c.Underlay.LocalIP = netip.MustParsePrefix("10.0.0.1/24")
	for v := 1; v <= 4094; v++ {
		c.Networks = append(c.Networks, config.Network{VNI: uint32(100000 + v), VLAN: uint16(v),
			Group: netip.AddrFrom4([4]byte{239, 1, 0, byte(1 + v%16)})})
	}
	for i := range 2 {
		c.Networks = append(c.Networks, config.Network{VNI: uint32(200000 + i), Group: netip.MustParseAddr("239.1.0.1"),
			Subnets: []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{172, 16, byte(i), 0}), 24)}})
	}
	if err := c.Validate(); err != nil {
		b.Fatal(err)
	}
	all := make([]uint16, 4094)
	for i := range all {
		all[i] = uint16(i + 1)
	}
	st := pipeline.State{Desired: agent.Desired(&c), TunnelPort: tunnel,
		Underlay: pipeline.Underlay{UplinkPort: 1, BridgeMAC: net.HardwareAddr{2, 0xaa, 0, 0, 0, 1}}}
	for i, p := range ports {
		st.Ports = append(st.Ports, pipeline.Port{Name: fmt.Sprintf("vm%d", i), OFPort: p, Trunks: all})
	}
	return st
}

// resultHeap returns the heap, in bytes, that one Build result of st
// holds once built: what vtepd keeps between reconciles (its last result)
// for the state's VNIs and flows.
func resultHeap(b *testing.B, st pipeline.State) float64 {
	b.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := pipeline.Build(st)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(res)
	return float64(after.HeapAlloc) - float64(before.HeapAlloc)
}

// program is vtepd's path for one switch, as the agent takes it on every
// reconcile: build the pipeline while reading the installed flows (and
// groups and meters) back, diff, and apply the difference in one bundle. It returns the number of
// changes applied.
func program(ctx context.Context, sw *ofapp.Switch, st pipeline.State) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	read := agent.ReadAhead(ctx, sw, true)
	res, err := pipeline.Build(st)
	if err != nil {
		return 0, err
	}
	installed, have, _, err := read.Wait(ctx)
	if err != nil {
		return 0, err
	}
	batch := agent.Diff(installed, res.Overlay, have, res.Groups)
	n := batch.Len()
	if n == 0 {
		return 0, nil
	}
	return n, sw.Apply(ctx, batch)
}

// BenchmarkProgram4096VNIs programs a VTEP of 4,096 VNIs with 8 ports each
// on one OVS instance, the way vtepd does (Build + Diff + one bundle), and in
// the same run installs the same flows as text with `ovs-ofctl --bundle
// replace-flows`. Each is timed twice: on an empty bridge (first start) and
// again with everything in place (a restart: nothing to change). Reported:
// the time of each and the ratios vtepd/ovs-ofctl (below 1: vtepd is
// faster), and, for the pass with nothing to change, the time of its two
// parts: Build and reading the installed flows back; and the heap one
// Build result holds, per VNI and per flow (vtepd keeps its last one).
//
//	go test -run '^$' -bench Program4096VNIs -benchtime 3x ./test
func BenchmarkProgram4096VNIs(b *testing.B) {
	o := labstest.NewOVS(b)
	ctx := context.Background()
	const br = "br-int"
	args := []string{"add-br", br, "--", "set", "bridge", br, "datapath_type=netdev", "fail_mode=secure", "protocols=OpenFlow13",
		"--", "add-port", br, "vxlan0", "--", "set", "interface", "vxlan0", "type=vxlan",
		"options:remote_ip=flow", "options:key=flow", "options:dst_port=4789"}
	for i := range 8 {
		p := fmt.Sprintf("vm%d", i)
		args = append(args, "--", "add-port", br, p, "--", "set", "interface", p, "type=internal")
	}
	if _, err := o.Vsctl(ctx, args...); err != nil {
		b.Fatal(err)
	}
	ofport := func(name string) uint32 {
		var n int
		err := labs.WaitFor(ctx, 50*time.Millisecond, func() (bool, error) {
			out, err := o.Vsctl(ctx, "get", "interface", name, "ofport")
			if err != nil {
				return false, err
			}
			n, err = strconv.Atoi(strings.TrimSpace(out))
			return err == nil && n > 0, nil
		})
		if err != nil {
			b.Fatalf("ofport of %s: %v", name, err)
		}
		return uint32(n)
	}
	var ports []uint32
	for i := range 8 {
		ports = append(ports, ofport(fmt.Sprintf("vm%d", i)))
	}
	st := bigVTEP(b, ofport("vxlan0"), ports)
	res, err := pipeline.Build(st)
	if err != nil {
		b.Fatal(err)
	}
	var text strings.Builder
	for _, f := range res.Overlay {
		text.WriteString(f.String() + "\n")
	}
	file := filepath.Join(b.TempDir(), "flows.txt")
	if err := os.WriteFile(file, []byte(text.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	ctrl := ofapp.NewController(ofapp.Config{})
	b.Cleanup(func() { _ = ctrl.Close() })
	sw, err := ctrl.Connect(ctx, "unix:"+o.Mgmt(br))
	if err != nil {
		b.Fatal(err)
	}
	ofctl := func(cmd string, args ...string) string {
		out, err := o.Ofctl(ctx, cmd, br, args...)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	flowCount := func(who string) {
		if want := fmt.Sprintf("flow_count=%d", len(res.Overlay)); !strings.Contains(ofctl("dump-aggregate"), want) {
			b.Fatalf("after %s: %s, want %s", who, strings.TrimSpace(ofctl("dump-aggregate")), want)
		}
	}
	var vtepdFirst, vtepdAgain, ofctlFirst, ofctlAgain, build, read time.Duration
	for b.Loop() {
		b.StopTimer()
		ofctl("del-flows")
		b.StartTimer()

		start := time.Now()
		n, err := program(ctx, sw, st)
		vtepdFirst += time.Since(start)
		if err != nil || n != len(res.Overlay) {
			b.Fatalf("vtepd on an empty bridge: %d changes, want %d: %v", n, len(res.Overlay), err)
		}
		start = time.Now()
		n, err = program(ctx, sw, st)
		vtepdAgain += time.Since(start)
		if err != nil || n != 0 {
			b.Fatalf("vtepd again: %d changes, want 0: %v", n, err)
		}

		b.StopTimer()
		flowCount("vtepd")
		// Where the time of a pass with nothing to change goes.
		start = time.Now()
		if _, err := pipeline.Build(st); err != nil {
			b.Fatal(err)
		}
		build += time.Since(start)
		start = time.Now()
		if _, err := agent.ReadInstalled(ctx, sw, uint64(pipeline.ProgrammedValue), uint64(pipeline.ProgrammedMask)); err != nil {
			b.Fatal(err)
		}
		read += time.Since(start)
		ofctl("del-flows")
		start = time.Now()
		ofctl("replace-flows", "--bundle", file)
		ofctlFirst += time.Since(start)
		start = time.Now()
		ofctl("replace-flows", "--bundle", file)
		ofctlAgain += time.Since(start)
		flowCount("ovs-ofctl")
		// ovs-ofctl installed exactly what vtepd wants: vtepd sees nothing to change.
		if n, err := program(ctx, sw, st); err != nil || n != 0 {
			b.Fatalf("vtepd after ovs-ofctl: %d changes, want 0: %v", n, err)
		}
		b.StartTimer()
	}
	per := func(d time.Duration) float64 { return d.Seconds() / float64(b.N) }
	held := resultHeap(b, st)
	b.ReportMetric(held/float64(len(st.Desired.Networks)), "held-B/VNI")
	b.ReportMetric(held/float64(len(res.Overlay)), "held-B/flow")
	b.ReportMetric(float64(len(res.Overlay)), "flows")
	b.ReportMetric(per(vtepdFirst), "vtepd-first-s")
	b.ReportMetric(per(ofctlFirst), "ofctl-first-s")
	b.ReportMetric(float64(vtepdFirst)/float64(ofctlFirst), "first-vtepd/ofctl")
	b.ReportMetric(per(vtepdAgain), "vtepd-again-s")
	b.ReportMetric(per(ofctlAgain), "ofctl-again-s")
	b.ReportMetric(float64(vtepdAgain)/float64(ofctlAgain), "again-vtepd/ofctl")
	b.ReportMetric(per(build), "build-s")
	b.ReportMetric(per(read), "read-flows-s")
}
