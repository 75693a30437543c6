package test

import (
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// udp4Frame crafts an IPv4/UDP frame from (mac, src:sport) to (dst, dstIP:dport).
func udp4Frame(t testing.TB, mac, dst net.HardwareAddr, src, dstIP net.IP, sport, dport uint16, payload ...layers.DHCPv4) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: mac, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: src.To4(), DstIP: dstIP.To4()}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	var body gopacket.SerializableLayer = gopacket.Payload(make([]byte, 18))
	if len(payload) > 0 {
		body = &payload[0]
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, body); err != nil {
		t.Fatalf("craft frame: %v", err)
	}
	return buf.Bytes()
}

// dhcpDiscover crafts a DHCP client's discover from mac: 0.0.0.0:68 to
// 255.255.255.255:67, broadcast.
func dhcpDiscover(t testing.TB, mac net.HardwareAddr) []byte {
	t.Helper()
	d := layers.DHCPv4{Operation: layers.DHCPOpRequest, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6, Xid: 0x7e57,
		ClientHWAddr: mac, Options: layers.DHCPOptions{layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(layers.DHCPMsgTypeDiscover)})}}
	return udp4Frame(t, mac, net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, net.IPv4zero, net.IPv4bcast, 68, 67, d)
}

// TestPortSecurityStopsIPSpoofing runs labs/figure4.yaml plus VM m on hv1
// (192.168.10.11), secured with its own MAC and a spare one it never used
// and with vtep-allowed-ips=192.168.10.11. m sends IPv4 from a's and c's
// addresses (from both MACs) and ARP claiming a's address, in a network
// without ARP suppression: hv1 drops each (drop-port-security, counted
// exactly), b never sees one (while a packet m sends after them from its
// own address arrives) and no VTEP learns the spare MAC. m's pings from
// its own address work, and its DHCP discover from 0.0.0.0 reaches b and c
// on the other VTEPs.
func TestPortSecurityStopsIPSpoofing(t *testing.T) {
	const mIP = "192.168.10.11"
	r := upLab(t, "../labs/figure4.yaml", func(f *labs.File) {
		f.VMs = append(f.VMs, labs.FileVM{Name: "m", Hypervisor: "hv1", MAC: "02:00:00:00:00:1a", IP: mIP + "/24", VLAN: 1, Tagged: true})
	})
	mMAC, _ := net.ParseMAC("02:00:00:00:00:1a")
	spare, _ := net.ParseMAC("02:00:00:00:00:1b")
	bMAC, _ := net.ParseMAC("02:00:00:00:00:0b")
	if _, err := r.OVS["hv1"].Vsctl(ctxT(t, 10*time.Second), "set", "interface", "m",
		`external_ids:vtep-allowed-macs="02:00:00:00:00:1a,02:00:00:00:00:1b"`, "external_ids:vtep-allowed-ips="+mIP); err != nil {
		t.Fatal(err)
	}
	// The spare MAC's static entry comes in the same bundle as m's checks.
	err := labs.WaitFor(ctxT(t, 10*time.Second), 100*time.Millisecond, func() (bool, error) {
		for _, f := range withFeature(flows(t, r, "hv1", labs.DefaultOverlayBridge), pipeline.FeatureMACStatic) {
			if strings.Contains(f.Match, "dl_dst="+spare.String()) {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("hv1: no static entry for m's spare MAC %s: %v", spare, err)
	}
	cb := capture(t, r, "b", "eth0", "")
	base := droppedBy(t, r, "hv1", uint8(pipeline.FeatureDropPortSecurity))

	const n = 10
	a, b, c := net.IPv4(192, 168, 10, 1), net.IPv4(192, 168, 10, 2), net.IPv4(192, 168, 10, 3)
	var spoofed [][]byte
	for range n {
		spoofed = append(spoofed,
			udp4Frame(t, spare, bMAC, a, b, 40001, 40001),       // a's address, the spare MAC
			udp4Frame(t, mMAC, bMAC, c, b, 40001, 40001),        // c's address, m's own MAC
			arpRequest(t, spare, a, net.IPv4(192, 168, 10, 99))) // ARP claiming a's address
	}
	sendFrames(t, r, "m", "eth0", spoofed...)
	want := base + uint64(len(spoofed))
	var got uint64
	err = labs.WaitFor(ctxT(t, 10*time.Second), 200*time.Millisecond, func() (bool, error) {
		got = droppedBy(t, r, "hv1", uint8(pipeline.FeatureDropPortSecurity))
		return got >= want, nil
	})
	if err != nil || got != want {
		t.Errorf("hv1: drop-port-security counted %d frames, want %d", got-base, len(spoofed))
	}
	// A packet from m's own address, sent after them, reaches b: none of
	// the spoofed ones did.
	sendFrames(t, r, "m", "eth0", udp4Frame(t, mMAC, bMAC, net.ParseIP(mIP), b, 40002, 40002))
	waitLine(t, cb, "m's packet from its own address at b", mIP+".40002 > ")
	lines := cb.Lines()
	checkCount(t, "b: IPv4 from a's address", lines, 0, "192.168.10.1.40001 > ")
	checkCount(t, "b: IPv4 from c's address", lines, 0, "192.168.10.3.40001 > ")
	checkCount(t, "b: ARP claiming a's address", lines, 0, "who-has 192.168.10.99")
	for _, hv := range hypervisors(r) {
		if slices.ContainsFunc(macTable(t, r, hv), func(e macEntry) bool { return e.MAC == spare.String() }) {
			t.Errorf("%s learned the spare MAC %s from spoofed frames", hv, spare)
		}
	}

	// m from its own address: pings work; its DHCP discover reaches the
	// other VTEPs' VMs, and nothing more is dropped.
	mustPing(t, r, "m", "192.168.10.2", 3)
	cc := capture(t, r, "c", "eth0", "")
	sendFrames(t, r, "m", "eth0", dhcpDiscover(t, mMAC))
	waitLine(t, cb, "m's DHCP discover at b (hv2)", "0.0.0.0.", "255.255.255.255.", "Request from "+mMAC.String())
	waitLine(t, cc, "m's DHCP discover at c (hv3)", "0.0.0.0.", "255.255.255.255.", "Request from "+mMAC.String())
	if after := droppedBy(t, r, "hv1", uint8(pipeline.FeatureDropPortSecurity)); after != want {
		t.Errorf("hv1: drop-port-security at %d after m used its own address, want it still at %d", after-base, want-base)
	}
	checkNoPacketIns(t, r)
}
