package test

import (
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
	"github.com/vtep/vtep/pipeline"
)

// learnLab is two VTEPs in VNI 10: VM a on hv1 sends, hv2 learns a's MACs
// as remote ones. Ageing is long and nothing limits the table.
const learnLab = `
prefix: learn
description: how fast new source MACs become learned entries
underlay: {igmp_snooping: true}
vtep:
  flood: multicast
  mac_ageing: 3600s
  networks:
    - {vni: 10, vlan: 1, group: 239.1.1.1}
hypervisors:
  - {name: hv1, vtep_ip: 10.0.0.1/24}
  - {name: hv2, vtep_ip: 10.0.0.2/24}
vms:
  - {name: a, hypervisor: hv1, mac: "02:00:00:00:00:0a", ip: 192.168.10.1/24, vlan: 1, tagged: true}
  - {name: b, hypervisor: hv2, mac: "02:00:00:00:00:0b", ip: 192.168.10.2/24, vlan: 1, tagged: true}
`

// learnRun is one learner's figures: how many of the sent MACs it learned
// and how long from the first frame sent to the last entry seen appear.
type learnRun struct {
	learned int
	took    time.Duration
}

func (l learnRun) rate() float64 {
	if l.took <= 0 {
		return 0
	}
	return float64(l.learned) / l.took.Seconds()
}

// watchLearning polls the counters every 100 ms from start until each has
// grown by want or none has grown for 3 s, and returns for each how many
// it learned (growth over base) and when it last grew.
func watchLearning(b *testing.B, start time.Time, want int, base []int, counts ...func() (int, error)) []learnRun {
	b.Helper()
	runs := make([]learnRun, len(counts))
	last := time.Now()
	for time.Since(last) < 3*time.Second {
		done := true
		for i, count := range counts {
			n, err := count()
			if err != nil {
				b.Fatal(err)
			}
			if n-base[i] > runs[i].learned {
				runs[i].learned, runs[i].took, last = n-base[i], time.Since(start), time.Now()
			}
			done = done && runs[i].learned >= want
		}
		if done {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return runs
}

// learnOnce reads the counters, sends frames from ifname in netns at pps
// (0: as fast as the socket takes them), and watches the counters learn
// them.
func learnOnce(b *testing.B, netns, ifname string, frames [][]byte, pps int, counts ...func() (int, error)) []learnRun {
	b.Helper()
	base := make([]int, len(counts))
	for i, c := range counts {
		n, err := c()
		if err != nil {
			b.Fatal(err)
		}
		base[i] = n
	}
	start := time.Now()
	sendPacedNetns(b, netns, ifname, frames, pps)
	return watchLearning(b, start, len(frames), base, counts...)
}

var aggregateCount = regexp.MustCompile(`flow_count=(\d+)`)

// learnedCount counts a hypervisor's flows of table mac whose cookie has
// feature f (learned-local or learned-remote).
func learnedCount(b *testing.B, r *labs.Running, hv string, f pipeline.Feature) func() (int, error) {
	sel := fmt.Sprintf("table=%d,cookie=0x%x/0x%x", pipeline.TableMAC, uint64(pipeline.NewCookie(f, 0)), uint64(pipeline.CookieFeatureMask))
	return func() (int, error) {
		out, err := r.OVS[hv].Ofctl(ctxT(b, 30*time.Second), "dump-aggregate", labs.DefaultOverlayBridge, sel)
		if err != nil {
			return 0, err
		}
		m := aggregateCount.FindStringSubmatch(out)
		if m == nil {
			return 0, fmt.Errorf("dump-aggregate: no flow_count in %q", out)
		}
		return strconv.Atoi(m[1])
	}
}

var fdbEntries = regexp.MustCompile(`Current/maximum MAC entries in the table: (\d+)`)

// normalBridge adds to hv1's OVS a bridge that forwards with the NORMAL
// action (OVS's own MAC learning, table large and ageing long enough for
// the run) and a veth from a fresh namespace into it. It returns the
// namespace and a counter of the bridge's MAC table.
func normalBridge(b *testing.B, r *labs.Running, prefix string) (string, func() (int, error)) {
	b.Helper()
	ctx := ctxT(b, time.Minute)
	ns := labstest.Netns(b, prefix, "n")
	port := prefix + "n1"
	if err := labs.AddVeth(ctx, labs.End{Netns: ns, Name: "eth0"}, labs.End{Netns: r.Netns("hv1"), Name: port}); err != nil {
		b.Fatal(err)
	}
	br := prefix + "n"
	if _, err := r.OVS["hv1"].Vsctl(ctx, "add-br", br, "--", "set", "bridge", br, "datapath_type=netdev", "fail_mode=standalone",
		"other_config:mac-table-size=200000", "other_config:mac-aging-time=3600", "--", "add-port", br, port); err != nil {
		b.Fatal(err)
	}
	return ns, func() (int, error) {
		out, err := r.OVS["hv1"].Appctl(ctxT(b, 30*time.Second), "fdb/stats-show", br)
		if err != nil {
			return 0, err
		}
		m := fdbEntries.FindStringSubmatch(out)
		if m == nil {
			return 0, fmt.Errorf("fdb/stats-show: no entry count in %q", out)
		}
		return strconv.Atoi(m[1])
	}
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

// coverage reads ovs-vswitchd's coverage counters (totals).
func coverage(b *testing.B, r *labs.Running, hv string) map[string]int64 {
	b.Helper()
	out, err := r.OVS[hv].Appctl(ctxT(b, 30*time.Second), "coverage/show")
	if err != nil {
		b.Fatal(err)
	}
	c := map[string]int64{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[len(f)-2] == "total:" {
			n, _ := strconv.ParseInt(f[len(f)-1], 10, 64)
			c[f[0]] = n
		}
	}
	return c
}

// logCoverage logs the counters that grew most between two readings, per
// MAC sent: where ovs-vswitchd's work per new source went.
func logCoverage(b *testing.B, label string, before, after map[string]int64, macs int) {
	b.Helper()
	type d struct {
		name string
		n    int64
	}
	var ds []d
	for k, v := range after {
		if n := v - before[k]; n > 0 {
			ds = append(ds, d{k, n})
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].n > ds[j].n || ds[i].n == ds[j].n && ds[i].name < ds[j].name })
	var parts []string
	for i, x := range ds {
		if i == 14 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %.2f", x.name, float64(x.n)/float64(macs)))
	}
	b.Logf("%s: ovs-vswitchd coverage per MAC sent: %s", label, strings.Join(parts, ", "))
}

// learnFrames crafts n broadcast frames from distinct source MACs.
func learnFrames(b *testing.B, n int) [][]byte {
	out := make([][]byte, n)
	bcast := net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	for i := range out {
		out[i] = ethernet(b, net.HardwareAddr{0x02, 0x20, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}, bcast)
	}
	return out
}

// rssOf reads a process's VmRSS in kB.
func rssOf(b *testing.B, pid int) int64 {
	b.Helper()
	n, err := labs.RSS(pid)
	if err != nil {
		b.Fatal(err)
	}
	return n >> 10
}

// learnRates are the rates, frames a second, the benchmark offers each
// learner: below, near and above what the userspace datapath absorbs
// (unpaced, most frames are lost on the way into ovs-vswitchd).
var learnRates = []int{1000, 3000, 10000}

// BenchmarkLearnRate sends N frames from N new source MACs (N = 10,000 and
// 50,000) from VM a into VNI 10 and times how fast they become learned
// entries: learned-local flows on a's VTEP (hv1) and learned-remote flows
// on the other (hv2). In the same run the same frames go into a bridge on
// hv1's ovs-vswitchd that forwards with the NORMAL action (OVS's own MAC
// learning), and into a Linux bridge as context. Each learner is offered
// the frames at each of learnRates, tables flushed before each round.
// Learned MACs per second = learned / time from the first frame sent to
// the last entry seen appear (polled every 100 ms); reported is each
// learner's best over the rates, with vtep's as ratios of NORMAL's, the
// share of the frames learned at the highest rate, and the RSS growth per
// learned MAC of ovs-vswitchd and vtepd in vtep's first round. (NORMAL's
// growth cannot be told apart on the same ovs-vswitchd: it reuses what
// vtep's flushed entries freed.)
// -v logs every round, ovs-vswitchd's coverage counters per MAC sent in
// vtep's round at the highest rate, and upcall/show.
//
//	go test -run '^$' -bench 'LearnRate/10000' -benchtime 1x -v ./test
func BenchmarkLearnRate(b *testing.B) {
	for _, n := range []int{10000, 50000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) { benchLearnRate(b, n) })
	}
}

// learnBest is each learner's best rate and the figures of its round at
// the highest offered rate.
type learnBest struct {
	local, remote, normal, linux float64
	top                          [4]learnRun
	vsVtep, vtepd                float64
}

func benchLearnRate(b *testing.B, n int) {
	r := upLab(b, labFile(b, learnLab), nil)
	prefix := labstest.Prefix(b)
	normalNS, normalCount := normalBridge(b, r, prefix)
	linuxNS, linuxBr, linuxCount := linuxBridge(b, prefix)
	frames := learnFrames(b, n)
	local := learnedCount(b, r, "hv1", pipeline.FeatureLearnedLocal)
	remote := learnedCount(b, r, "hv2", pipeline.FeatureLearnedRemote)
	var best learnBest
	for b.Loop() {
		for i, pps := range learnRates {
			learnRound(b, r, &best, pps, i, frames, [3]string{normalNS, linuxNS, linuxBr}, local, remote, normalCount, linuxCount)
		}
	}
	b.ReportMetric(best.local, "vtep-local-macs/s")
	b.ReportMetric(best.remote, "vtep-remote-macs/s")
	b.ReportMetric(best.normal, "normal-macs/s")
	b.ReportMetric(best.linux, "linux-macs/s")
	b.ReportMetric(best.local/best.normal, "local/normal")
	b.ReportMetric(best.remote/best.normal, "remote/normal")
	b.ReportMetric(float64(best.top[0].learned)/float64(n), "vtep-local-learned-share")
	b.ReportMetric(float64(best.top[2].learned)/float64(n), "normal-learned-share")
	b.ReportMetric(best.vsVtep, "vswitchd-B/MAC-vtep")
	b.ReportMetric(best.vtepd, "vtepd-B/MAC")
}

// learnRound flushes every table, then offers the frames at pps to vtep,
// NORMAL and the Linux bridge in turn, and keeps the best rates in best.
// ns are the senders' namespaces (NORMAL, Linux) and the Linux bridge's.
// The first round (on a fresh ovs-vswitchd) gives the RSS growth per MAC;
// the last (the highest rate) the logged coverage counters, vtep's and
// NORMAL's, and the figures of the round.
func learnRound(b *testing.B, r *labs.Running, best *learnBest, pps, round int, frames [][]byte, ns [3]string, counts ...func() (int, error)) {
	b.Helper()
	ctx := ctxT(b, time.Minute)
	for _, hv := range hypervisors(r) {
		if _, err := r.OVS[hv].Ofctl(ctx, "del-flows", labs.DefaultOverlayBridge, fmt.Sprintf("table=%d,cookie=0x%x/0x%x",
			pipeline.TableMAC, uint64(pipeline.LearnedValue), uint64(pipeline.LearnedMask))); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := r.OVS["hv1"].Appctl(ctx, "fdb/flush"); err != nil {
		b.Fatal(err)
	}
	if _, err := labs.Exec(ctx, ns[2], "ip", "link", "set", "br0", "type", "bridge", "fdb_flush"); err != nil {
		b.Fatal(err)
	}
	top := round == len(learnRates)-1
	vswitchd, err := r.OVS["hv1"].VswitchdPid()
	if err != nil {
		b.Fatal(err)
	}
	n := len(frames)
	cov1, cov2 := coverage(b, r, "hv1"), coverage(b, r, "hv2")
	vs0, d0 := rssOf(b, vswitchd), rssOf(b, r.Vtepds["hv1"].Pid)
	vt := learnOnce(b, r.Netns("a"), "eth0", frames, pps, counts[0], counts[1])
	vs1, d1 := rssOf(b, vswitchd), rssOf(b, r.Vtepds["hv1"].Pid)
	if top {
		logCoverage(b, "vtep hv1", cov1, coverage(b, r, "hv1"), n)
		logCoverage(b, "vtep hv2", cov2, coverage(b, r, "hv2"), n)
		if out, err := r.OVS["hv1"].Appctl(ctx, "upcall/show"); err == nil {
			b.Logf("hv1 upcall/show after vtep's round:\n%s", out)
		}
	}
	cov1 = coverage(b, r, "hv1")
	nm := learnOnce(b, ns[0], "eth0", frames, pps, counts[2])
	if top {
		logCoverage(b, "NORMAL hv1", cov1, coverage(b, r, "hv1"), n)
	}
	lx := learnOnce(b, ns[1], "eth0", frames, pps, counts[3])
	b.Logf("%d MACs offered at %d/s: vtep learned %d local in %s (%.0f/s), %d remote in %s (%.0f/s); NORMAL %d in %s (%.0f/s); Linux bridge %d in %s (%.0f/s)",
		n, pps, vt[0].learned, vt[0].took.Round(time.Millisecond), vt[0].rate(), vt[1].learned, vt[1].took.Round(time.Millisecond), vt[1].rate(),
		nm[0].learned, nm[0].took.Round(time.Millisecond), nm[0].rate(), lx[0].learned, lx[0].took.Round(time.Millisecond), lx[0].rate())
	best.local, best.remote = max(best.local, vt[0].rate()), max(best.remote, vt[1].rate())
	best.normal, best.linux = max(best.normal, nm[0].rate()), max(best.linux, lx[0].rate())
	if top {
		best.top = [4]learnRun{vt[0], vt[1], nm[0], lx[0]}
	}
	if round == 0 {
		best.vsVtep = float64(vs1-vs0) * 1024 / float64(max(vt[0].learned, 1))
		best.vtepd = float64(d1-d0) * 1024 / float64(max(vt[0].learned, 1))
	}
}
