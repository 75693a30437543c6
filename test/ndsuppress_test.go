package test

import (
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// enableIPv6 turns IPv6 on for a lab VM's eth0 (labs build VMs without it)
// and gives it addr (no duplicate address detection, so it is usable at
// once).
func enableIPv6(t *testing.T, r *labs.Running, vm, addr string) {
	t.Helper()
	mustExec(t, r, vm, "sysctl", "-q", "-w", "net.ipv6.conf.eth0.disable_ipv6=0")
	mustExec(t, r, vm, "ip", "-6", "addr", "add", addr, "dev", "eth0", "nodad")
}

// TestNDSuppression runs labs/figure4.yaml with ARP suppression on and
// IPv6 on a and b: b's neighbour solicitation for a teaches hv1 b's
// binding (learned from the tunnel); then a, its neighbour cache flushed,
// solicits b and hv1 answers with an advertisement built in OVS (the
// kernel takes it: a's entry for b holds b's MAC and the ping passes),
// and no solicitation for b crosses the underlay.
func TestNDSuppression(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", suppressing)
	const ip6A, ip6B = "fd00::1", "fd00::2"
	enableIPv6(t, r, "a", ip6A+"/64")
	enableIPv6(t, r, "b", ip6B+"/64")
	if out, err := r.Exec(ctxT(t, 20*time.Second), "b", "ping", "-6", "-c", "1", "-W", "3", ip6A); err != nil {
		t.Fatalf("b -> a over IPv6: %v\n%s", err, out)
	}
	waitNeigh(t, r, "hv1", ip6B, macB)
	waitNeigh(t, r, "hv2", ip6A, macA)

	mustExec(t, r, "a", "ip", "-6", "neigh", "flush", "dev", "eth0")
	wire := capture(t, r, "ul", "hv1", "udp port 4789")
	if out, err := r.Exec(ctxT(t, 20*time.Second), "a", "ping", "-6", "-c", "1", "-W", "3", ip6B); err != nil {
		t.Fatalf("a -> b over IPv6 with its neighbour cache flushed: %v\n%s", err, out)
	}
	if out := mustExec(t, r, "a", "ip", "-6", "neigh", "show", ip6B, "dev", "eth0"); !strings.Contains(out, "lladdr "+macB) {
		t.Errorf("a's neighbour entry for b: %q, want lladdr %s", out, macB)
	}
	waitLine(t, wire, "a's echo request to b on the underlay", "> "+ip6B+": ICMP6, echo request")
	checkCount(t, "a's solicitations for b on the underlay", wire.Stop(), 0, "who has "+ip6B)
	if n := droppedBy(t, r, "hv1", uint8(pipeline.FeatureNDAdvert)); n != 1 {
		t.Errorf("hv1: nd-advert flows sent %d advertisements, want 1", n)
	}

	// Duplicate address detection (a solicitation from ::, without a
	// source link-layer option) is never answered by the VTEP, even for a
	// bound target: it floods, and b, which has the address, defends it.
	dad := capture(t, r, "ul", "hv1", "udp port 4789")
	mustExec(t, r, "a", "ip", "-6", "addr", "add", ip6B+"/64", "dev", "eth0")
	waitLine(t, dad, "a's duplicate address detection for b's address, flooded", ":: > ", "who has "+ip6B)
	dad.Stop()
	err := labs.WaitFor(ctxT(t, 10*time.Second), 100*time.Millisecond, func() (bool, error) {
		out, err := r.Exec(ctxT(t, 5*time.Second), "a", "ip", "-6", "addr", "show", "dev", "eth0")
		return strings.Contains(out, ip6B+"/64") && strings.Contains(out, "dadfailed"), err
	})
	if err != nil {
		t.Errorf("a's duplicate of b's address never failed DAD: %v", err)
	}
	if n := droppedBy(t, r, "hv1", uint8(pipeline.FeatureNDNoAnswer)); n < 1 {
		t.Errorf("hv1: nd-no-answer counted %d solicitations, want the DAD one", n)
	}
	if n := droppedBy(t, r, "hv1", uint8(pipeline.FeatureNDAdvert)); n != 1 {
		t.Errorf("hv1: nd-advert flows sent %d advertisements after DAD, want still 1", n)
	}
	checkNoPacketIns(t, r)
}
