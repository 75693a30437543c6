package test

import (
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
)

// arpFrame is an inner Ethernet frame: an ARP request from 02:..:66.
const arpFrame = `\x02\x00\x00\x00\x00\x0b\x02\x00\x00\x00\x00\x66\x08\x06` +
	`\x00\x01\x08\x00\x06\x04\x00\x01\x02\x00\x00\x00\x00\x66\xc0\xa8\x0a\x42` +
	`\x00\x00\x00\x00\x00\x00\xc0\xa8\x0a\x01`

// TestOVSTunnelDropsInStatus: VXLAN that OVS refuses before any flow sees it,
// sent from a host on the underlay that is no VTEP, shows in vtepd's status
// as OVS tunnel drops, for each kind of bad header: the I flag unset,
// reserved bits set, and a header cut short.
func TestOVSTunnelDropsInStatus(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", func(f *labs.File) {
		f.Hypervisors = f.Hypervisors[:1]
		f.VMs = f.VMs[:1]
		f.PhysicalVTEPs = append(f.PhysicalVTEPs, labs.FilePhysicalVTEP{Name: "atk", VTEPIP: "10.0.0.66/24"})
	})
	drops := func() uint64 {
		s := status(t, r, "hv1")
		if s.OVSTunnelDrops == nil {
			t.Fatalf("no OVS tunnel drops in status: %s", s.OVSTunnelDropsError)
		}
		return s.OVSTunnelDrops["tunnel_pop_error"]
	}
	for _, tc := range []struct{ name, vxlan string }{
		{"I flag unset", `\x00\x00\x00\x00\x00\x00\x0a\x00` + arpFrame},
		{"reserved bits set", `\x08\x00\x00\x01\x00\x00\x0a\x00` + arpFrame},
		{"truncated", `\x08\x00\x00`},
	} {
		before := drops()
		// bash writes the datagram with printf to /dev/udp: 5 frames
		mustExec(t, r, "atk", "bash", "-c",
			"for i in 1 2 3 4 5; do printf '"+tc.vxlan+"' > /dev/udp/10.0.0.1/4789; done")
		// OVS folds its per-thread coverage counts into the totals once a second
		err := labs.WaitFor(ctxT(t, 10*time.Second), 100*time.Millisecond, func() (bool, error) {
			return drops() >= before+5, nil
		})
		if err != nil {
			t.Errorf("%s: tunnel_pop_error stayed at %d (was %d before 5 frames): %v", tc.name, drops(), before, err)
		}
	}
	if fs := learnedOn(t, r, "hv1", "02:00:00:00:00:66"); fs != 0 {
		t.Errorf("the bad frames' source MAC was learned (%d flows)", fs)
	}
}

// learnedOn counts the learned flows of mac on a hypervisor.
func learnedOn(t testing.TB, r *labs.Running, hv, mac string) int {
	t.Helper()
	if _, ok := learnedFlow(t, r, hv, mac); ok {
		return 1
	}
	return 0
}
