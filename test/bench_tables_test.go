package test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// tablesLab is one hypervisor with one VM in VNI 10 (and a peer VTEP in
// the configuration only), metrics on, and a MAC ageing long enough that
// entries stay for the whole run.
const tablesLab = `
prefix: tables
description: one VTEP with a large learned MAC table
vtep:
  flood: multicast
  mac_ageing: 3600s
  networks:
    - {vni: 10, vlan: 1, group: 239.1.1.1}
    - {vni: 20, vlan: 2, group: 239.1.1.2}
hypervisors:
  - {name: hv1, vtep_ip: 10.0.0.1/24}
vms:
  - {name: a, hypervisor: hv1, mac: "02:00:00:00:00:0a", ip: 192.168.10.1/24, vlan: 1, tagged: true}
`

// tablesMetrics is where the lab's vtepd serves /metrics (in hv1's namespace).
const tablesMetrics = "127.0.0.1:9311"

// learnedEntries makes n flows shaped exactly as the learn actions of
// tables tunnel-in and local-in make them in table mac (cookie, hard
// timeout, match reg0 and dl_dst, loads of reg2 and reg3): half behind
// remote VTEP 10.0.0.2 on the tunnel port, half on the local port, over
// VNIs 10 and 20. Installing them is how the benchmark gets a table of
// 100,000 entries in seconds; OVS cannot tell them from learned ones.
func learnedEntries(n int, tunnel, local uint32) []ofapp.Flow {
	out := make([]ofapp.Flow, n)
	for i := range out {
		vni := uint32(10 + 10*(i%2))
		mac := net.HardwareAddr{0x02, 0x10, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
		c, vtep, port := pipeline.NewCookie(pipeline.FeatureLearnedRemote, vni), uint64(0x0a000002), tunnel
		if i%4 >= 2 {
			c, vtep, port = pipeline.LearnedLocalCookie(vni, local), 0, local
		}
		out[i] = ofapp.Flow{Table: pipeline.TableMAC, Priority: 100, Cookie: uint64(c), HardTimeout: 3600,
			Match: ofapp.Match{ofapp.MatchReg(0, vni, 0xffffff), ofapp.MatchEthDst(mac)},
			Actions: []ofapp.Action{
				ofapp.RegLoad{Dst: ofapp.Whole(ofapp.FieldReg(2)), Value: vtep},
				ofapp.RegLoad{Dst: ofapp.Bits(ofapp.FieldReg(3), 0, 16), Value: uint64(port)},
			}}
	}
	return out
}

// vxlanPort returns the OpenFlow port number of a hypervisor's VXLAN port.
func vxlanPort(b *testing.B, r *labs.Running, hv string) uint32 {
	b.Helper()
	out, err := r.OVS[hv].Vsctl(ctxT(b, 10*time.Second), "--bare", "--columns=ofport", "find", "interface", "type=vxlan")
	if err != nil {
		b.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil || n <= 0 {
		b.Fatalf("%s: VXLAN ofport %q: %v", hv, out, err)
	}
	return uint32(n)
}

// tablesRig is a running tablesLab with vtepctl built, its vtepd serving
// metrics, and 100,000 learned entries installed.
type tablesRig struct {
	r       *labs.Running
	vtepctl string
	api     string
	pid     int
	entries int
}

func upTablesRig(b *testing.B, entries int) *tablesRig {
	b.Helper()
	r := upLab(b, labFile(b, tablesLab), nil)
	ctx := ctxT(b, 5*time.Minute)
	cfgPath := filepath.Join(r.NodeDir("hv1"), "vtepd.yaml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, append(cfg, "metrics:\n  listen: "+tablesMetrics+"\n"...), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := r.RestartVtepd(ctx, "hv1", vtepdBin); err != nil {
		b.Fatal(err)
	}
	if err := r.WaitProgrammed(ctx, "hv1"); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := labstest.BuildCommands(dir, "vtepctl"); err != nil {
		b.Fatal(err)
	}
	st := status(b, r, "hv1")
	if len(st.Ports) == 0 {
		b.Fatal("no VM port in status")
	}
	tunnel, local := vxlanPort(b, r, "hv1"), st.Ports[0].OFPort
	var text bytes.Buffer
	for _, f := range learnedEntries(entries, tunnel, local) {
		text.Write(f.AppendText(nil))
		text.WriteByte('\n')
	}
	file := filepath.Join(dir, "learned.txt")
	if err := os.WriteFile(file, text.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	if _, err := r.OVS["hv1"].Ofctl(ctx, "add-flows", labs.DefaultOverlayBridge, "--bundle", file); err != nil {
		b.Fatal(err)
	}
	if n := readMACLimitState(b, r, "hv1").flows; n < entries {
		b.Fatalf("table mac holds %d flows, want %d or more", n, entries)
	}
	return &tablesRig{r: r, vtepctl: filepath.Join(dir, "vtepctl"), api: "unix:" + r.NodeDir("hv1") + "/vtepd-api.sock",
		pid: r.Vtepds["hv1"].Pid, entries: entries}
}

// timed runs fn and returns how long it took and the bytes it printed.
func timed(b *testing.B, what string, fn func() ([]byte, error)) (time.Duration, int) {
	b.Helper()
	start := time.Now()
	out, err := fn()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("%s: %v\n%s", what, err, out)
	}
	return d, len(out)
}

func (g *tablesRig) vtepctlRun(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, g.vtepctl, append(args, "--api", g.api)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, io.Discard
	err := cmd.Run()
	return out.Bytes(), err
}

// rawGet fetches an API path over vtepd's socket, accepting the media type
// accept, and returns the body undecoded: the server's share of a vtepctl
// query.
func (g *tablesRig) rawGet(ctx context.Context, path, accept string) ([]byte, error) {
	sock := strings.TrimPrefix(g.api, "unix:")
	cl := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://vtepd"+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	resp, err := cl.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

func (g *tablesRig) ofctlDump(ctx context.Context) ([]byte, error) {
	out, err := g.r.OVS["hv1"].Ofctl(ctx, "dump-flows", labs.DefaultOverlayBridge, fmt.Sprintf("table=%d", pipeline.TableMAC))
	return []byte(out), err
}

func (g *tablesRig) scrape(ctx context.Context) ([]byte, error) {
	out, err := g.r.Exec(ctx, "hv1", "curl", "-sf", "http://"+tablesMetrics+"/metrics")
	return []byte(out), err
}

func (g *tablesRig) rssKB(b *testing.B) int64 {
	b.Helper()
	n, err := labs.RSS(g.pid)
	if err != nil {
		b.Fatal(err)
	}
	return n >> 10
}

// cpuTime returns the CPU time (user and system) a process has used.
func cpuTime(b *testing.B, pid int) time.Duration {
	b.Helper()
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// the fields after the command's closing parenthesis: state is the
	// first, utime the 12th, stime the 13th, in clock ticks of 10 ms
	f := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+1:]))
	if len(f) < 13 {
		b.Fatalf("/proc/%d/stat: %q", pid, st)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	k, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("/proc/%d/stat: utime %q stime %q", pid, f[11], f[12])
	}
	return time.Duration(u+k) * 10 * time.Millisecond
}

// idleCPU measures, over a few seconds with no query, the share of a core
// vtepd and ovs-vswitchd use while holding the table.
func (g *tablesRig) idleCPU(b *testing.B) (vtepd, vswitchd float64) {
	b.Helper()
	vs, err := g.r.OVS["hv1"].VswitchdPid()
	if err != nil {
		b.Fatal(err)
	}
	shares := cpuShare(b, 6*time.Second, g.pid, vs)
	return shares[0], shares[1]
}

// BenchmarkTables100k installs 100,000 learned MAC entries on one VTEP and
// times, against `ovs-ofctl dump-flows br-int table=30` of the same table in
// the same run, `vtepctl macs`, `vtepctl dump-flows --table mac` and a
// scrape of /metrics (and, to tell vtepd's share of vtepctl macs, the
// undecoded answer of GET /v1/macs in the row format vtepctl reads); then
// makes 20 of each query and reports vtepd's RSS after them as a ratio of
// its RSS before them. Each round times the five one after the other;
// reported are the sums over the rounds. Before the queries it measures
// the share of a core vtepd and ovs-vswitchd use, idle, holding the table
// (the MAC-flap watcher reads it).
//
//	go test -run '^$' -bench Tables100k -benchtime 3x -v ./test
func BenchmarkTables100k(b *testing.B) {
	g := upTablesRig(b, 100000)
	ctx := ctxT(b, 10*time.Minute)
	// one of each first: what a query allocates the first time is part of
	// the RSS before the 20 queries, as after a restart and one look
	queries := []struct {
		name string
		run  func() ([]byte, error)
	}{
		{"ofctl", func() ([]byte, error) { return g.ofctlDump(ctx) }},
		{"macs", func() ([]byte, error) { return g.vtepctlRun(ctx, "macs") }},
		{"dumpflows", func() ([]byte, error) {
			return g.vtepctlRun(ctx, "dump-flows", "--bridge", "overlay", "--table", "mac")
		}},
		{"metrics", func() ([]byte, error) { return g.scrape(ctx) }},
		{"macs-api", func() ([]byte, error) { return g.rawGet(ctx, "/v1/macs", api.RowsType) }},
	}
	idle := g.rssKB(b)
	idleVtepd, idleVswitchd := g.idleCPU(b)
	took := make([]time.Duration, len(queries))
	size := make([]int, len(queries))
	for b.Loop() {
		for i, q := range queries {
			d, n := timed(b, q.name, q.run)
			took[i] += d
			size[i] = n
		}
	}
	before := g.rssKB(b)
	for range 20 {
		for _, q := range queries[1:] {
			timed(b, q.name, q.run)
		}
	}
	after := g.rssKB(b)
	b.Logf("%d entries; output bytes: ofctl %d, macs %d, dump-flows %d, metrics %d", g.entries, size[0], size[1], size[2], size[3])
	b.Logf("vtepd RSS: %.1f MB idle with the table, %.1f MB after the timed queries, %.1f MB after 20 more of each", mb(idle), mb(before), mb(after))
	per := func(d time.Duration) float64 { return d.Seconds() / float64(b.N) }
	b.ReportMetric(per(took[0]), "ofctl-s")
	b.ReportMetric(per(took[1]), "macs-s")
	b.ReportMetric(per(took[2]), "dumpflows-s")
	b.ReportMetric(per(took[3]), "metrics-s")
	b.ReportMetric(float64(took[1])/float64(took[0]), "macs/ofctl")
	b.ReportMetric(float64(took[2])/float64(took[0]), "dumpflows/ofctl")
	b.ReportMetric(float64(took[3])/float64(took[0]), "metrics/ofctl")
	b.ReportMetric(float64(took[4])/float64(took[0]), "macs-api/ofctl")
	b.ReportMetric(idleVtepd, "vtepd-idle-cores")
	b.ReportMetric(idleVswitchd, "vswitchd-idle-cores")
	b.ReportMetric(mb(before), "rss-before-MB")
	b.ReportMetric(mb(after), "rss-after-MB")
	b.ReportMetric(float64(after)/float64(before), "rss-after/before")
	b.ReportMetric(float64(before-idle)*1024/float64(g.entries), "rss-query-B/entry")
}
