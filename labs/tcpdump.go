package labs

import (
	"fmt"
	"regexp"
	"strconv"
)

// VXLANPacket is one VXLAN packet as `tcpdump -n -e` prints it (see
// StartCapture): outer addresses, VNI, inner Ethernet addresses and what
// the inner packet is.
type VXLANPacket struct {
	OuterSrc, OuterDst string // IPv4 addresses
	DstPort            int
	VNI                uint32
	InnerSrc, InnerDst string // MACs
	Inner              string // tcpdump's account of the inner packet, e.g. "Request who-has ..."
}

var vxlanLineRe = regexp.MustCompile(`(\d+\.\d+\.\d+\.\d+)\.\d+ > (\d+\.\d+\.\d+\.\d+)\.(\d+): VXLAN.*vni (\d+) \| (\S+) > (\S+), ethertype \S+ \(0x[0-9a-f]+\), length \d+: (.*?)(, length \d+)?$`)

// ParseVXLANLine reads one captured line; false when it is not a VXLAN
// packet tcpdump decoded.
func ParseVXLANLine(l string) (VXLANPacket, bool) {
	m := vxlanLineRe.FindStringSubmatch(l)
	if m == nil {
		return VXLANPacket{}, false
	}
	port, err1 := strconv.Atoi(m[3])
	vni, err2 := strconv.ParseUint(m[4], 10, 24)
	if err1 != nil || err2 != nil {
		return VXLANPacket{}, false
	}
	return VXLANPacket{OuterSrc: m[1], OuterDst: m[2], DstPort: port, VNI: uint32(vni),
		InnerSrc: m[5], InnerDst: m[6], Inner: m[7]}, true
}

// String prints the packet short: "VXLAN SRC -> DST VNI N | MAC -> MAC inner".
func (p VXLANPacket) String() string {
	return fmt.Sprintf("VXLAN %s -> %s VNI %d | %s -> %s %s", p.OuterSrc, p.OuterDst, p.VNI, p.InnerSrc, p.InnerDst, p.Inner)
}

// WireLine shortens a captured line to outer and inner headers when it is a
// VXLAN packet, and returns it unchanged otherwise.
func WireLine(l string) string {
	if p, ok := ParseVXLANLine(l); ok {
		return p.String()
	}
	return l
}
