package test

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
)

var meterStatsRE = regexp.MustCompile(`meter:(\d+) flow_count:\d+ packet_in_count:(\d+) .*bands:\s*0: packet_count:(\d+)`)

// meterStats returns what a hypervisor's storm-control meter of vni saw:
// packets in and dropped (ovs-ofctl meter-stats, the reference).
func meterStats(t testing.TB, r *labs.Running, hv string, vni uint32) (in, dropped uint64) {
	t.Helper()
	out, err := r.OVS[hv].Ofctl(ctxT(t, 30*time.Second), "meter-stats", labs.DefaultOverlayBridge)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range meterStatsRE.FindAllStringSubmatch(regexp.MustCompile(`\n(\d+:)`).ReplaceAllString(out, " $1"), -1) {
		if m[1] == fmt.Sprint(vni) {
			in, _ = strconv.ParseUint(m[2], 10, 64)
			dropped, _ = strconv.ParseUint(m[3], 10, 64)
			return in, dropped
		}
	}
	t.Fatalf("%s: no meter %d in\n%s", hv, vni, out)
	return 0, 0
}

// TestStormControl runs labs/figure4.yaml with bum_pps 200: VM a sends
// 2,000 broadcast frames at about 4,000 a second. hv1's meter of VNI 10
// passes about the rate (plus its burst of 20) and drops the rest,
// counted in meter stats, vtepctl status; meanwhile b pings c (unicast,
// VNI 10) without losing a packet.
func TestStormControl(t *testing.T) {
	const rate, burst = 200, 20
	r := upLab(t, "../labs/figure4.yaml", func(f *labs.File) { f.VTEP.BUMPPS = rate })
	mustPing(t, r, "a", "192.168.10.2", 2)
	mustPing(t, r, "b", "192.168.10.3", 2)
	in0, dropped0 := meterStats(t, r, "hv1", 10)
	a := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0a}
	bcast := net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	const n = 2000
	frames := make([][]byte, n)
	for i := range frames {
		frames[i] = ethernet(t, a, bcast)
	}
	pinged := make(chan error, 1)
	go func() { pinged <- ping(t, r, "b", "192.168.10.3", 5) }()
	start := time.Now()
	sendPaced(t, r, "a", "eth0", frames, 4000)
	took := time.Since(start)
	var in, dropped uint64
	err := labs.WaitFor(ctxT(t, 20*time.Second), 200*time.Millisecond, func() (bool, error) {
		prev := in
		in, dropped = meterStats(t, r, "hv1", 10)
		return in-in0 >= n && in == prev, nil
	})
	if err != nil {
		t.Fatalf("hv1's meter saw %d of %d frames: %v", in-in0, n, err)
	}
	in, dropped = in-in0, dropped-dropped0
	passed := in - dropped
	t.Logf("sent %d broadcast frames in %v; hv1's meter: %d in, %d passed, %d dropped", n, took.Round(time.Millisecond), in, passed, dropped)
	if most := uint64(rate*(took.Seconds()+0.5)) + burst; passed > most {
		t.Errorf("%d frames passed the meter, want at most %d (rate %d/s over %v, burst %d)", passed, most, rate, took, burst)
	}
	if passed < burst {
		t.Errorf("%d frames passed the meter, want at least its burst %d", passed, burst)
	}
	if err := <-pinged; err != nil {
		t.Errorf("b -> c during the storm: %v", err)
	}
	st := status(t, r, "hv1")
	if len(st.Networks) != 1 || st.Networks[0].BUMPPS != rate || st.Networks[0].BUMDropped == nil || *st.Networks[0].BUMDropped != dropped+dropped0 {
		t.Errorf("vtepctl status networks: %+v, want VNI 10 at %d/s with %d dropped", st.Networks, rate, dropped+dropped0)
	}
	mustPing(t, r, "a", "192.168.10.2", 3)
	checkNoPacketIns(t, r)
}
