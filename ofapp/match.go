package ofapp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// OXM field numbers of the OpenFlow basic class used by vtep.
const (
	oxmInPort  uint8 = 0
	oxmEthDst  uint8 = 3
	oxmEthSrc  uint8 = 4
	oxmEthType uint8 = 5
	oxmVLANVID uint8 = 6
	oxmIPProto uint8 = 10
	oxmIPv4Src uint8 = 11
	oxmIPv4Dst uint8 = 12
	oxmUDPSrc  uint8 = 15
	oxmUDPDst  uint8 = 16
	oxmARPOp   uint8 = 21
	oxmARPSPA  uint8 = 22
	oxmARPTPA  uint8 = 23
	oxmARPSHA  uint8 = 24
	oxmIPv6Src uint8 = 26
	oxmICMPv6T uint8 = 29
	oxmNDTgt   uint8 = 31
	oxmNDSLL   uint8 = 32
	oxmNDTLL   uint8 = 33
	oxmTunID   uint8 = 38

	nxmTunIPv4Src uint8 = 31
	nxmTunIPv4Dst uint8 = 32
)

// VLANPresent is the OFPVID_PRESENT bit of OXM_OF_VLAN_VID.
const VLANPresent uint16 = 0x1000

// MatchField is one OXM TLV of a match: class, field, value and optional mask,
// in network byte order exactly as they travel on the wire. Keeping matches in
// wire form makes encoding trivial and lets a match read back from the switch
// be compared byte for byte with the one vtep wants.
type MatchField struct {
	Class uint16
	Field uint8
	Value []byte
	Mask  []byte // nil: exact match
}

// Match is a flow's match: a set of fields, all of which must hold.
type Match []MatchField

func u16(v uint16) []byte { b := make([]byte, 2); binary.BigEndian.PutUint16(b, v); return b }
func u32(v uint32) []byte { b := make([]byte, 4); binary.BigEndian.PutUint32(b, v); return b }
func u64(v uint64) []byte { b := make([]byte, 8); binary.BigEndian.PutUint64(b, v); return b }

// MatchInPort matches the OpenFlow ingress port.
func MatchInPort(port uint32) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmInPort, Value: u32(port)}
}

// MatchEthDst matches the Ethernet destination address.
func MatchEthDst(mac net.HardwareAddr) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmEthDst, Value: append([]byte(nil), mac...)}
}

// MatchEthDstMasked matches the Ethernet destination under a mask
// (01:00:00:00:00:00/01:00:00:00:00:00 selects multicast and broadcast).
func MatchEthDstMasked(mac, mask net.HardwareAddr) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmEthDst, Value: append([]byte(nil), mac...), Mask: append([]byte(nil), mask...)}
}

// MatchEthSrc matches the Ethernet source address.
func MatchEthSrc(mac net.HardwareAddr) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmEthSrc, Value: append([]byte(nil), mac...)}
}

// MatchEthSrcMasked matches the Ethernet source under a mask
// (00:00:00:00:00:00/01:00:00:00:00:00 selects unicast sources only).
func MatchEthSrcMasked(mac, mask net.HardwareAddr) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmEthSrc, Value: append([]byte(nil), mac...), Mask: append([]byte(nil), mask...)}
}

// MatchEthType matches the Ethernet type (after any VLAN header).
func MatchEthType(t uint16) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmEthType, Value: u16(t)}
}

// MatchVLANVID matches frames carrying an 802.1Q header with this VLAN ID.
func MatchVLANVID(vid uint16) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmVLANVID, Value: u16(VLANPresent | vid&0x0fff)}
}

// MatchNoVLAN matches frames without an 802.1Q header.
func MatchNoVLAN() MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmVLANVID, Value: u16(0)}
}

// MatchVLANPresent matches frames with an 802.1Q header, whatever their VLAN.
func MatchVLANPresent() MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmVLANVID, Value: u16(VLANPresent), Mask: u16(VLANPresent)}
}

// MatchIPProto matches the IP protocol number; it needs an IP EthType.
func MatchIPProto(p uint8) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmIPProto, Value: []byte{p}}
}

func prefixField(class uint16, field uint8, n *net.IPNet) MatchField {
	ip := n.IP.To4()
	ones, bits := n.Mask.Size()
	f := MatchField{Class: class, Field: field, Value: append([]byte(nil), ip.Mask(n.Mask)...)}
	if ones != bits {
		f.Mask = append([]byte(nil), net.IP(n.Mask).To4()...)
	}
	return f
}

func hostPrefix(ip net.IP) *net.IPNet {
	return &net.IPNet{IP: ip.To4(), Mask: net.CIDRMask(32, 32)}
}

// MatchIPv4Dst matches the IPv4 destination against a prefix.
func MatchIPv4Dst(n *net.IPNet) MatchField { return prefixField(ClassOpenFlowBasic, oxmIPv4Dst, n) }

// MatchIPv4DstAddr matches one IPv4 destination address.
func MatchIPv4DstAddr(ip net.IP) MatchField { return MatchIPv4Dst(hostPrefix(ip)) }

// MatchIPv4Src matches the IPv4 source against a prefix.
func MatchIPv4Src(n *net.IPNet) MatchField { return prefixField(ClassOpenFlowBasic, oxmIPv4Src, n) }

// MatchARPTPA matches the ARP target protocol address against a prefix.
func MatchARPTPA(n *net.IPNet) MatchField { return prefixField(ClassOpenFlowBasic, oxmARPTPA, n) }

// MatchARPSPA matches the ARP sender protocol address against a prefix.
func MatchARPSPA(n *net.IPNet) MatchField { return prefixField(ClassOpenFlowBasic, oxmARPSPA, n) }

// MatchARPSHA matches the ARP sender hardware address.
func MatchARPSHA(mac net.HardwareAddr) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmARPSHA, Value: append([]byte(nil), mac...)}
}

// MatchARPSHAMasked matches the ARP sender hardware address under a mask.
func MatchARPSHAMasked(mac, mask net.HardwareAddr) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmARPSHA, Value: append([]byte(nil), mac...), Mask: append([]byte(nil), mask...)}
}

// MatchIPv6Src matches one IPv6 source address.
func MatchIPv6Src(ip netip.Addr) MatchField {
	b := ip.As16()
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmIPv6Src, Value: b[:]}
}

// MatchICMPv6Type matches the ICMPv6 type (135 neighbour solicitation,
// 136 advertisement).
func MatchICMPv6Type(t uint8) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmICMPv6T, Value: []byte{t}}
}

// MatchNDTarget matches a neighbour discovery message's target address.
func MatchNDTarget(ip netip.Addr) MatchField {
	b := ip.As16()
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmNDTgt, Value: b[:]}
}

// MatchNDSLL matches a solicitation's source link-layer address option
// (all zeros when it has none).
func MatchNDSLL(mac net.HardwareAddr) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmNDSLL, Value: append([]byte(nil), mac...)}
}

// MatchNDSLLMasked matches the source link-layer address under a mask.
func MatchNDSLLMasked(mac, mask net.HardwareAddr) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmNDSLL, Value: append([]byte(nil), mac...), Mask: append([]byte(nil), mask...)}
}

// MatchNDTLL matches an advertisement's target link-layer address option
// (all zeros when it has none).
func MatchNDTLL(mac net.HardwareAddr) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmNDTLL, Value: append([]byte(nil), mac...)}
}

// MatchNDTLLMasked matches the target link-layer address under a mask.
func MatchNDTLLMasked(mac, mask net.HardwareAddr) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmNDTLL, Value: append([]byte(nil), mac...), Mask: append([]byte(nil), mask...)}
}

// MatchARPOp matches the ARP opcode (1 request, 2 reply).
func MatchARPOp(op uint16) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmARPOp, Value: u16(op)}
}

// MatchUDPSrc matches the UDP source port; it needs nw_proto=17.
func MatchUDPSrc(port uint16) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmUDPSrc, Value: u16(port)}
}

// MatchUDPDst matches the UDP destination port.
func MatchUDPDst(port uint16) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmUDPDst, Value: u16(port)}
}

// MatchTunnelID matches the tunnel ID (for VXLAN, the VNI).
func MatchTunnelID(id uint64) MatchField {
	return MatchField{Class: ClassOpenFlowBasic, Field: oxmTunID, Value: u64(id)}
}

// MatchTunnelIPv4Src matches the outer source address of a received tunnel packet.
func MatchTunnelIPv4Src(ip net.IP) MatchField {
	return MatchField{Class: ClassNXM1, Field: nxmTunIPv4Src, Value: append([]byte(nil), ip.To4()...)}
}

// MatchTunnelIPv4SrcPrefix matches the outer source address of a received
// tunnel packet against a prefix.
func MatchTunnelIPv4SrcPrefix(n *net.IPNet) MatchField {
	return prefixField(ClassNXM1, nxmTunIPv4Src, n)
}

// MatchReg matches register n (0..15) under a mask; a mask of 0xffffffff is exact.
func MatchReg(n int, value, mask uint32) MatchField {
	f := MatchField{Class: ClassNXM1, Field: FieldReg(n).Field, Value: u32(value & mask)}
	if mask != 0xffffffff {
		f.Mask = u32(mask)
	}
	return f
}

// Equal reports whether two fields are identical.
func (f MatchField) Equal(g MatchField) bool {
	return f.Class == g.Class && f.Field == g.Field && bytes.Equal(f.Value, g.Value) && bytes.Equal(f.Mask, g.Mask)
}

// Name returns the ovs-ofctl name of the field (in_port, dl_dst, reg0, ...).
func (f MatchField) Name() string {
	switch f.Class {
	case ClassOpenFlowBasic:
		switch f.Field {
		case oxmInPort:
			return "in_port"
		case oxmEthDst:
			return "dl_dst"
		case oxmEthSrc:
			return "dl_src"
		case oxmEthType:
			return "dl_type"
		case oxmVLANVID:
			return "vlan_tci"
		case oxmIPProto:
			return "nw_proto"
		case oxmIPv4Src:
			return "nw_src"
		case oxmIPv4Dst:
			return "nw_dst"
		case oxmUDPSrc:
			return "udp_src"
		case oxmUDPDst:
			return "udp_dst"
		case oxmARPOp:
			return "arp_op"
		case oxmARPSPA:
			return "arp_spa"
		case oxmARPTPA:
			return "arp_tpa"
		case oxmARPSHA:
			return "arp_sha"
		case oxmIPv6Src:
			return "ipv6_src"
		case oxmICMPv6T:
			return "icmpv6_type"
		case oxmNDTgt:
			return "nd_target"
		case oxmNDSLL:
			return "nd_sll"
		case oxmNDTLL:
			return "nd_tll"
		case oxmTunID:
			return "tun_id"
		}
	case ClassNXM1:
		switch {
		case f.Field <= 15:
			return regNames[f.Field]
		case f.Field == nxmTunIPv4Src:
			return "tun_src"
		case f.Field == nxmTunIPv4Dst:
			return "tun_dst"
		}
	}
	return fmt.Sprintf("oxm(0x%04x:%d)", f.Class, f.Field)
}

// regNames are the ovs-ofctl names of the 16 registers, built once: the
// pipeline prints tens of thousands of register matches per build.
var regNames = func() (n [16]string) {
	for i := range n {
		n[i] = "reg" + strconv.Itoa(i)
	}
	return n
}()

// String prints the field in ovs-ofctl syntax ("in_port=2", "reg0=0xa",
// "vlan_tci=0x1001/0x1fff", "nw_dst=10.0.0.0/24").
func (f MatchField) String() string { return string(f.AppendText(nil)) }

func pad(b []byte, n int) []byte {
	if len(b) >= n {
		return b
	}
	return append(make([]byte, n-len(b)), b...)
}

// Canonical returns the match sorted by class and field, the order used to
// compare a match read from a switch with a wanted one. A match already in
// that order is returned as it is, so the result must not be modified.
func (m Match) Canonical() Match {
	if m.canonical() {
		return m // already canonical: no copy
	}
	c := append(Match(nil), m...)
	c.sortCanonical()
	return c
}

// canonicalIn is Canonical, sorting into buf when the match is not in
// order and fits it.
func (m Match) canonicalIn(buf Match) Match {
	if m.canonical() {
		return m
	}
	if len(m) > cap(buf) {
		return m.Canonical()
	}
	c := append(buf[:0], m...)
	c.sortCanonical()
	return c
}

// fieldLess orders fields canonically: OpenFlow basic fields first, then
// Nicira ones, as ovs-ofctl prints them; by field number within a class.
func fieldLess(a, b MatchField) bool {
	if a.Class != b.Class {
		return classRank(a.Class) < classRank(b.Class)
	}
	return a.Field < b.Field
}

// canonical reports whether the match is in canonical order.
func (m Match) canonical() bool {
	for i := 1; i < len(m); i++ {
		if fieldLess(m[i], m[i-1]) {
			return false
		}
	}
	return true
}

// sortCanonical sorts the match in place, stably (insertion sort: matches
// have a handful of fields).
func (m Match) sortCanonical() {
	for i := 1; i < len(m); i++ {
		for j := i; j > 0 && fieldLess(m[j], m[j-1]); j-- {
			m[j], m[j-1] = m[j-1], m[j]
		}
	}
}

func classRank(c uint16) int {
	if c == ClassOpenFlowBasic {
		return -1
	}
	return int(c)
}

// Equal reports whether two matches hold the same fields, in any order.
func (m Match) Equal(o Match) bool {
	if len(m) != len(o) {
		return false
	}
	var sa, sb [8]MatchField // small matches sort on the stack
	a, b := m.canonicalIn(sa[:0]), o.canonicalIn(sb[:0])
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// Get returns the field with this class and number, if the match has it.
func (m Match) Get(class uint16, field uint8) (MatchField, bool) {
	for _, f := range m {
		if f.Class == class && f.Field == field {
			return f, true
		}
	}
	return MatchField{}, false
}

// String prints the match in ovs-ofctl syntax, fields in canonical order.
func (m Match) String() string { return string(m.AppendText(make([]byte, 0, 128))) }
