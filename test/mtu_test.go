package test

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// TestMTUGuardOversize runs labs/figure4.yaml with every VM at MTU 1500
// on the 1500-byte underlay. a's pings of 1500 bytes of IP
// (`ping -s 1472 -M do`) to b cannot cross the tunnel: hv1 drops them in
// table tunnel-out and counts them in the oversize meter (what
// vtepd_dropped_packets_total{reason="oversize"} reports), while pings of
// 1450 bytes pass; hv1's status flags a's port.
func TestMTUGuardOversize(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", func(f *labs.File) {
		for i := range f.VMs {
			f.VMs[i].MTU = 1500
		}
	})
	mustPing(t, r, "a", "192.168.10.2", 2) // b's MAC learned behind hv2
	before := oversizeDropped(t, r, "hv1")
	const n = 3
	out, err := r.Exec(ctxT(t, time.Minute), "a", "ping", "-c", "3", "-i", "0.2", "-W", "1", "-s", "1472", "-M", "do", "192.168.10.2")
	if err == nil || !strings.Contains(out, "0 received") {
		t.Errorf("pings of 1500 bytes of IP answered (err %v):\n%s", err, out)
	}
	var got uint64
	err = labs.WaitFor(ctxT(t, 10*time.Second), 200*time.Millisecond, func() (bool, error) {
		got = oversizeDropped(t, r, "hv1") - before
		return got >= n, nil
	})
	if err != nil || got != n {
		t.Errorf("hv1: the oversize meter counted %d frames, want %d\n%s", got, n, dumpFlows(t, r, "hv1", labs.DefaultOverlayBridge, "table=45"))
	}
	// 1450 bytes of IP fit the underlay with VXLAN's 50.
	out, err = r.Exec(ctxT(t, time.Minute), "a", "ping", "-c", "2", "-i", "0.2", "-W", "2", "-s", "1422", "-M", "do", "192.168.10.2")
	if err != nil || !strings.Contains(out, "2 received") {
		t.Errorf("pings of 1450 bytes of IP lost (err %v):\n%s", err, out)
	}
	if d := oversizeDropped(t, r, "hv1") - before; d != n {
		t.Errorf("hv1: the oversize meter counted %d frames after the small pings, want still %d", d, n)
	}

	s := status(t, r, "hv1")
	if s.UnderlayMTU != 1500 {
		t.Errorf("hv1 underlay MTU %d, want 1500", s.UnderlayMTU)
	}
	var flagged []api.PortStatus
	for _, p := range s.Ports {
		if p.Oversize {
			flagged = append(flagged, p)
		}
	}
	if len(flagged) != 1 || flagged[0].MTU != 1500 {
		t.Errorf("hv1 ports flagged oversize %+v, want a's port at MTU 1500 (ports %+v)", flagged, s.Ports)
	}
	floodOversize(t, r)
}

// floodOversize: a flooded frame (to a MAC nobody has) of 1500 bytes of IP
// is dropped before the tunnel and counted as well, and one of 1450
// crosses to the group.
func floodOversize(t *testing.T, r *labs.Running) {
	t.Helper()
	src, _ := net.ParseMAC(macA)
	unknown := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x77}
	wire := capture(t, r, "ul", "hv1", "udp port 4789")
	before := oversizeDropped(t, r, "hv1")
	sendFrames(t, r, "a", "eth0", udpFrame(t, src, unknown, 1472), udpFrame(t, src, unknown, 1422))
	err := labs.WaitFor(ctxT(t, 10*time.Second), 100*time.Millisecond, func() (bool, error) {
		return oversizeDropped(t, r, "hv1") >= before+1 && wire.Count("02:00:00:00:00:77") >= 1, nil
	})
	if d := oversizeDropped(t, r, "hv1") - before; err != nil || d != 1 {
		t.Errorf("hv1: the oversize meter counted %d flooded frames, want 1 (%v)", d, err)
	}
	lines := grep(wire.Stop(), "02:00:00:00:00:77")
	if len(lines) != 1 || !strings.Contains(lines[0], "> "+group) || !strings.Contains(lines[0], "length 1464") {
		t.Errorf("flooded frames on the underlay: want only the 1450-byte one, to the group:\n%s", strings.Join(lines, "\n"))
	}
}

// udpFrame is an IPv4/UDP frame from src to dst with payload bytes of UDP
// data (an IP packet of payload + 28 bytes).
func udpFrame(t testing.TB, src, dst net.HardwareAddr, payload int) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IPv4(192, 168, 10, 1), DstIP: net.IPv4(192, 168, 10, 77)}
	udp := &layers.UDP{SrcPort: 9, DstPort: 9}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return serialize(t, eth, ip, udp, gopacket.Payload(make([]byte, payload)))
}

var meterPackets = regexp.MustCompile(`packet_in_count:(\d+)`)

// oversizeDropped reads the packets the oversize meter of hv's overlay
// bridge saw: the frames drop-oversize dropped.
func oversizeDropped(t testing.TB, r *labs.Running, hv string) uint64 {
	t.Helper()
	out, err := r.OVS[hv].Ofctl(ctxT(t, 30*time.Second), "meter-stats", labs.DefaultOverlayBridge, fmt.Sprintf("meter=%d", pipeline.OversizeMeterID))
	if err != nil {
		t.Fatal(err)
	}
	m := meterPackets.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("%s: no oversize meter:\n%s", hv, out)
	}
	n, err := strconv.ParseUint(m[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
