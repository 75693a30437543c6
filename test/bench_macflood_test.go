package test

import (
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
)

// floodAndIdle brings up floodLab with max_macs maxMACs, floods it (see
// flood), waits until the datapath flows of the flood have idled out of
// every OVS (about 10 s), reads ovs-vswitchd's RSS again and takes the lab
// down.
func floodAndIdle(b *testing.B, maxMACs int) (res floodResult, idle map[string]int64) {
	b.Helper()
	r := upLab(b, labFile(b, floodLab), func(f *labs.File) { f.VTEP.MaxMACs = maxMACs })
	res = flood(b, r)
	err := labs.WaitFor(ctxT(b, time.Minute), 500*time.Millisecond, func() (bool, error) {
		for _, hv := range hypervisors(r) {
			if datapathFlows(b, r, hv) > 50 {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		b.Fatalf("datapath flows did not idle out: %v", err)
	}
	s := startRSS(b, r)
	idle = s.now(b)
	s.finish(b)
	if err := r.Close(); err != nil {
		b.Fatalf("lab down: %v", err)
	}
	return res, idle
}

// floodFigures are one flood's figures as the benchmark reports them: the
// largest over the hypervisors, loss over all pings.
type floodFigures struct {
	rate, learned, refused, lossPct, peakMB, afterMB, idleMB float64
}

func figures(res floodResult, idle map[string]int64) floodFigures {
	f := floodFigures{rate: res.Rate, lossPct: 100 * res.loss()}
	for hv, m := range res.RSS {
		f.learned = max(f.learned, float64(res.All[hv]))
		f.refused = max(f.refused, float64(res.Refused[hv]))
		f.peakMB = max(f.peakMB, mb(m.Peak-m.Before))
		f.afterMB = max(f.afterMB, mb(m.After-m.Before))
		f.idleMB = max(f.idleMB, mb(idle[hv]-m.Before))
	}
	return f
}

// BenchmarkMACFlood runs TestMACFloodBounded's flood (20,000 random source
// MACs from one VM, 5,000 frames/s, pings every 10 ms beside it) on a
// fresh lab with max_macs 1000 and, as the baseline in the same run, on a
// fresh lab without a limit. Reported, each the largest over the three
// hypervisors: learned flows, refused frames, ping loss, and ovs-vswitchd's
// RSS growth over its value before the flood at the peak, once the flood
// is handled ("after") and once its datapath flows have idled out
// ("idle"); then the limited run's figures as ratios of the baseline's.
//
//	go test -run '^$' -bench MACFlood -benchtime 1x -v ./test
func BenchmarkMACFlood(b *testing.B) {
	var lim, open floodFigures
	for b.Loop() {
		res, idle := floodAndIdle(b, 1000)
		res.log(b, "max_macs 1000")
		lim = figures(res, idle)
		res, idle = floodAndIdle(b, 0)
		res.log(b, "no limit")
		open = figures(res, idle)
		b.Logf("idle RSS growth: max_macs 1000 +%.1f MB, no limit +%.1f MB", lim.idleMB, open.idleMB)
	}
	b.ReportMetric(min(lim.rate, open.rate), "frames/s")
	b.ReportMetric(lim.learned, "learned-limit")
	b.ReportMetric(open.learned, "learned-open")
	b.ReportMetric(lim.refused, "refused-limit")
	b.ReportMetric(lim.lossPct, "loss%-limit")
	b.ReportMetric(open.lossPct, "loss%-open")
	b.ReportMetric(lim.peakMB, "peakMB-limit")
	b.ReportMetric(open.peakMB, "peakMB-open")
	b.ReportMetric(lim.idleMB, "idleMB-limit")
	b.ReportMetric(open.idleMB, "idleMB-open")
	b.ReportMetric(lim.learned/open.learned, "learned-limit/open")
	b.ReportMetric(lim.peakMB/open.peakMB, "peakMB-limit/open")
	b.ReportMetric(lim.afterMB/open.afterMB, "afterMB-limit/open")
}
