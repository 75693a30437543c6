package test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
	"github.com/vtep/vtep/pipeline"
)

// withVTEP4 adds a second FRR VTEP (vtep4, host d) to labs/evpn.yaml: the
// baseline that installs the same routes into its kernel fdb.
func withVTEP4(f *labs.File) {
	f.PhysicalVTEPs = append(f.PhysicalVTEPs, labs.FilePhysicalVTEP{Name: "vtep4", VTEPIP: "10.0.0.4/24",
		EVPN:     f.PhysicalVTEPs[0].EVPN,
		Networks: []labs.PhysicalNetwork{{VNI: 10, Host: "d", MAC: "02:00:00:00:00:0d", IP: "192.168.10.4/24"}}})
	rr := &f.Routers[0]
	rr.EVPN.Neighbors = append(rr.EVPN.Neighbors, labs.EVPNNeighbor{Address: "10.0.0.4", ASN: 65000})
}

// evpnFlows counts hv's mac-evpn flows of VNI 10 (ovs-ofctl dump-aggregate
// by cookie: the switch counts).
func evpnFlows(ctx context.Context, r *labs.Running, hv string) (int, error) {
	c := pipeline.NewCookie(pipeline.FeatureMACEVPN, 10)
	m := pipeline.CookieFeatureMask | pipeline.CookieVNIMask
	out, err := r.OVS[hv].Ofctl(ctx, "dump-aggregate", "br-int", fmt.Sprintf("table=30,cookie=%#x/%#x", uint64(c), uint64(m)))
	if err != nil {
		return 0, err
	}
	_, rest, ok := strings.Cut(out, "flow_count=")
	if !ok {
		return 0, fmt.Errorf("dump-aggregate: %q", out)
	}
	return strconv.Atoi(strings.Fields(rest)[0])
}

// fdbRemote counts vtep4's kernel fdb entries learned from EVPN on vx10.
func fdbRemote(ctx context.Context, r *labs.Running, node string) (int, error) {
	out, err := r.Exec(ctx, node, "bridge", "fdb", "show", "dev", "vx10")
	return strings.Count(out, "self extern_learn"), err
}

// macsBatch writes a `bridge -batch` file adding n static MACs on vtep3's
// port to host c: zebra takes them as local MACs and bgpd announces n
// type-2 routes.
func macsBatch(b *testing.B, dir string, n int) string {
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, "fdb add 02:10:%02x:%02x:%02x:01 dev c master static\n", i>>16&0xff, i>>8&0xff, i&0xff)
	}
	path := filepath.Join(dir, "macs.batch")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkEVPNRoutes: FRR's vtep3 announces 10,000 MACs (VTEP_EVPN_ROUTES
// overrides); the time until hv1's vtepd has them all as OVS flows, against
// the time until FRR's vtep4 has them all in its kernel fdb, same run, and
// vtepd's RSS per route.
func BenchmarkEVPNRoutes(b *testing.B) {
	n := 10000
	if s := os.Getenv("VTEP_EVPN_ROUTES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	labstest.RequireFRR(b)
	for range b.N {
		r := labstest.UpLab(b, evpnLab, vtepdBin, withVTEP4)
		ctx := ctxT(b, 5*time.Minute)
		if err := r.WaitBGPEstablished(ctx, "rr"); err != nil {
			b.Fatal(err)
		}
		base, err := evpnFlows(ctx, r, "hv1")
		if err != nil {
			b.Fatal(err)
		}
		baseFDB, err := fdbRemote(ctx, r, "vtep4")
		if err != nil {
			b.Fatal(err)
		}
		rssBefore, err := labs.RSS(r.Vtepds["hv1"].Pid)
		if err != nil {
			b.Fatal(err)
		}
		batch := macsBatch(b, b.TempDir(), n)
		start := time.Now()
		if _, err := r.Exec(ctx, "vtep3", "bridge", "-batch", batch); err != nil {
			b.Fatal(err)
		}
		var tOVS, tFRR time.Duration
		err = labs.WaitFor(ctx, 100*time.Millisecond, func() (bool, error) {
			if tOVS == 0 {
				if c, err := evpnFlows(ctx, r, "hv1"); err != nil || c >= base+n {
					tOVS = time.Since(start)
				}
			}
			if tFRR == 0 {
				if c, err := fdbRemote(ctx, r, "vtep4"); err != nil || c >= baseFDB+n {
					tFRR = time.Since(start)
				}
			}
			return tOVS != 0 && tFRR != 0, nil
		})
		if err != nil {
			b.Fatalf("not all %d routes installed within 5 minutes (vtepd %v, FRR %v)", n, tOVS, tFRR)
		}
		rssAfter, err := labs.RSS(r.Vtepds["hv1"].Pid)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(tOVS.Seconds(), "vtepd-s")
		b.ReportMetric(tFRR.Seconds(), "frr-s")
		b.ReportMetric(tOVS.Seconds()/tFRR.Seconds(), "vtepd/frr")
		b.ReportMetric(float64(rssAfter-rssBefore)/float64(n), "vtepd-bytes/route")
		b.Logf("%d type-2 routes: vtepd had them as OVS flows after %v, FRR in its kernel fdb after %v (%.2fx); vtepd RSS %d -> %d KiB",
			n, tOVS.Round(time.Millisecond), tFRR.Round(time.Millisecond), tOVS.Seconds()/tFRR.Seconds(), rssBefore>>10, rssAfter>>10)
	}
}
