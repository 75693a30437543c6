package test

import (
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// arpRequest crafts an Ethernet broadcast ARP request from src (MAC and IP)
// for target, untagged.
func arpRequest(t testing.TB, src net.HardwareAddr, srcIP, target net.IP) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: src, DstMAC: net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, EthernetType: layers.EthernetTypeARP}
	arp := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: layers.ARPRequest, SourceHwAddress: src, SourceProtAddress: srcIP.To4(),
		DstHwAddress: make(net.HardwareAddr, 6), DstProtAddress: target.To4()}
	return serialize(t, eth, arp)
}

// vxlanPayload crafts a VXLAN UDP payload: the header (I flag, vni) and the
// inner frame.
func vxlanPayload(t testing.TB, vni uint32, inner []byte) []byte {
	t.Helper()
	return serialize(t, &layers.VXLAN{ValidIDFlag: true, VNI: vni}, gopacket.Payload(inner))
}

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, ls...); err != nil {
		t.Fatalf("craft packet: %v", err)
	}
	return buf.Bytes()
}

// sendUDP sends payload count times as UDP from address from (which node
// holds) to to:port, from inside node's namespace. A multicast to leaves
// through the interface holding from.
func sendUDP(t testing.TB, r *labs.Running, node string, from, to net.IP, port int, payload []byte, count int) {
	t.Helper()
	err := labs.InNetns(r.Netns(node), func() error {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
		if err != nil {
			return fmt.Errorf("socket: %w", err)
		}
		defer syscall.Close(fd)
		var src, dst [4]byte
		copy(src[:], from.To4())
		copy(dst[:], to.To4())
		if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: src}); err != nil {
			return fmt.Errorf("bind %s: %w", from, err)
		}
		if to.IsMulticast() {
			if err := syscall.SetsockoptInet4Addr(fd, syscall.IPPROTO_IP, syscall.IP_MULTICAST_IF, src); err != nil {
				return fmt.Errorf("IP_MULTICAST_IF %s: %w", from, err)
			}
		}
		for range count {
			if err := syscall.Sendto(fd, payload, 0, &syscall.SockaddrInet4{Port: port, Addr: dst}); err != nil {
				return fmt.Errorf("send to %s:%d: %w", to, port, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", node, err)
	}
}

// droppedBy sums n_packets of a hypervisor's overlay flows with feature f.
func droppedBy(t testing.TB, r *labs.Running, hv string, f uint8) uint64 {
	t.Helper()
	var n uint64
	for _, fl := range flows(t, r, hv, labs.DefaultOverlayBridge) {
		if uint8(fl.Cookie.Feature()) == f {
			n += fl.Packets
		}
	}
	return n
}

// notLearned counts the frames hv forwarded without learning their source
// because of max_macs: refused by a learn action (mac-limit) or sent from a
// place that had paused learning after a refusal (learning-paused).
func notLearned(t testing.TB, r *labs.Running, hv string) uint64 {
	t.Helper()
	return droppedBy(t, r, hv, uint8(pipeline.FeatureMACLimit)) + droppedBy(t, r, hv, uint8(pipeline.FeatureLearningPaused))
}

// sendFrames sends raw Ethernet frames out of ifname in node's namespace
// (a packet socket: the frames pass the interface's tc filters, such as a
// lab VM's VLAN tagger).
func sendFrames(t testing.TB, r *labs.Running, node, ifname string, frames ...[]byte) {
	t.Helper()
	sendPaced(t, r, node, ifname, frames, 0)
}

// vlanTag is one VLAN header: its TPID (0x8100, 0x88a8) and VLAN.
type vlanTag struct {
	TPID layers.EthernetType
	VID  uint16
}

// ethernet crafts a frame from src to dst carrying an IPv4/UDP datagram,
// under the given VLAN tags, outermost first.
func ethernet(t testing.TB, src, dst net.HardwareAddr, tags ...vlanTag) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}
	ls := []gopacket.SerializableLayer{eth}
	next := &eth.EthernetType // the type field naming the next header
	for _, tag := range tags {
		*next = tag.TPID
		q := &layers.Dot1Q{VLANIdentifier: tag.VID, Type: layers.EthernetTypeIPv4}
		ls = append(ls, q)
		next = &q.Type
	}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IPv4(192, 168, 10, 1), DstIP: net.IPv4(192, 168, 10, 255)}
	udp := &layers.UDP{SrcPort: 9, DstPort: 9}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	ls = append(ls, ip, udp, gopacket.Payload(make([]byte, 18)))
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatalf("craft frame: %v", err)
	}
	return buf.Bytes()
}
