package test

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
)

// arpBenchVMs is the number of VMs of the ARP suppression benchmark: a, b
// and c of labs/figure4.yaml plus 17 more, spread over its three
// hypervisors.
const arpBenchVMs = 20

// arpBenchPeriod is how often every VM ARPs for every other.
const arpBenchPeriod = 10 * time.Second

// arpBenchDuration is the workload's length per mode: 5 minutes, or
// VTEP_ARP_BENCH_DURATION (a Go duration, e.g. 30s) for a quick run.
func arpBenchDuration(b *testing.B) time.Duration {
	s := os.Getenv("VTEP_ARP_BENCH_DURATION")
	if s == "" {
		return 5 * time.Minute
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < arpBenchPeriod {
		b.Fatalf("VTEP_ARP_BENCH_DURATION %q: want a duration of at least %s", s, arpBenchPeriod)
	}
	return d
}

// arpBenchVM is one VM of the benchmark lab.
type arpBenchVM struct {
	name string
	hv   int // 1..3
	mac  net.HardwareAddr
	ip   net.IP
}

func arpBenchVMList() []arpBenchVM {
	var vms []arpBenchVM
	for i := 1; i <= arpBenchVMs; i++ {
		name := fmt.Sprintf("v%d", i)
		if i <= 3 {
			name = string(rune('a' + i - 1)) // figure 4's a, b, c
		}
		mac := net.HardwareAddr{0x02, 0, 0, 0, 0, byte(0x09 + i)}
		if i > 3 {
			mac = net.HardwareAddr{0x02, 0, 0, 0, 1, byte(i)}
		}
		vms = append(vms, arpBenchVM{name: name, hv: (i-1)%3 + 1, mac: mac, ip: net.IPv4(192, 168, 10, byte(i)).To4()})
	}
	return vms
}

// arpBenchLab edits labs/figure4.yaml into the benchmark's lab: 20 VMs,
// ARP suppression in mode (off: none).
func arpBenchLab(mode string) func(*labs.File) {
	return func(f *labs.File) {
		for _, vm := range arpBenchVMList()[3:] {
			f.VMs = append(f.VMs, labs.FileVM{Name: vm.name, Hypervisor: fmt.Sprintf("hv%d", vm.hv), MAC: vm.mac.String(),
				IP: vm.ip.String() + "/24", VLAN: 1, Tagged: true})
		}
		if mode != "off" {
			for i := range f.VTEP.Networks {
				f.VTEP.Networks[i].ARPSuppression = mode
			}
		}
	}
}

// arpWorkload runs the workload on a fresh lab in the given mode: every
// period, each VM sends a broadcast ARP request for every other VM (as if
// its ARP cache were flushed), for d. It returns the ARP frames the three
// VTEPs sent into the underlay (requests and replies, each counted once,
// on the link of the VTEP that sent it) and the requests sent.
func arpWorkload(b *testing.B, mode string, d time.Duration) (underlay, requests int) {
	r := upLab(b, "../labs/figure4.yaml", arpBenchLab(mode))
	defer func() {
		if err := r.Close(); err != nil {
			b.Fatalf("lab down: %v", err)
		}
	}()
	vms := arpBenchVMList()
	caps := map[int]*labs.Capture{}
	for hv := 1; hv <= 3; hv++ {
		caps[hv] = capture(b, r, "ul", fmt.Sprintf("hv%d", hv), fmt.Sprintf("udp port 4789 and src host 10.0.0.%d", hv))
	}
	for start := time.Now(); time.Since(start) < d; {
		round := time.Now()
		for _, vm := range vms {
			var frames [][]byte
			for _, o := range vms {
				if o.name != vm.name {
					frames = append(frames, arpRequest(b, vm.mac, vm.ip, o.ip))
				}
			}
			sendFrames(b, r, vm.name, "eth0", frames...)
			requests += len(frames)
		}
		time.Sleep(time.Until(round.Add(arpBenchPeriod))) // the workload's pace, not a synchronisation
	}
	// A request for an address nobody has floods from each VTEP: once the
	// capture of its link holds it, it holds everything sent before.
	for hv := 1; hv <= 3; hv++ {
		vm := vms[hv-1]
		marker := fmt.Sprintf("192.168.10.%d", 250+hv)
		sendFrames(b, r, vm.name, "eth0", arpRequest(b, vm.mac, vm.ip, net.ParseIP(marker)))
		waitLine(b, caps[hv], "marker on hv"+fmt.Sprint(hv)+"'s link", "Request who-has "+marker)
		for _, l := range caps[hv].Stop() {
			if strings.Contains(l, "ethertype ARP") && !strings.Contains(l, "who-has "+marker) {
				underlay++
			}
		}
	}
	return underlay, requests
}

// BenchmarkARPSuppression runs the ARP-heavy workload: 20 VMs on
// the three VTEPs of labs/figure4.yaml, each sending an ARP request for
// every other every 10 s, for 5 minutes (VTEP_ARP_BENCH_DURATION shortens
// it), once with arp_suppression off (the baseline) and once learned, each
// on a fresh lab, in the same run. Reported: ARP frames the VTEPs sent into
// the underlay in each mode and their ratio, on/off.
//
//	VTEP_ARP_BENCH_DURATION=60s go test -run '^$' -bench ARPSuppression -benchtime 1x -v ./test
func BenchmarkARPSuppression(b *testing.B) {
	d := arpBenchDuration(b)
	var off, on, sent int
	for b.Loop() {
		off, sent = arpWorkload(b, "off", d)
		on, _ = arpWorkload(b, "learned", d)
	}
	if off == 0 {
		b.Fatalf("no ARP frame crossed the underlay without suppression: the capture saw nothing")
	}
	ratio := float64(on) / float64(off)
	b.Logf("%d ARP requests per mode over %s: underlay ARP frames off %d, learned %d, ratio %.3f", sent, d, off, on, ratio)
	b.ReportMetric(float64(off), "underlay-arp-off")
	b.ReportMetric(float64(on), "underlay-arp-on")
	b.ReportMetric(ratio, "on/off-ratio")
}
