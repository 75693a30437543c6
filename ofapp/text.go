package ofapp

import (
	"encoding/binary"
	"net"
	"strconv"
)

// Text printing without fmt: flows, matches and actions print themselves by
// appending to a caller's buffer. The pipeline prints every flow it builds
// (the cookie's digest covers the flow's text) and the controller keys every
// installed flow by its match's text, so at 100,000 flows the printing
// itself, and the garbage of one string per part, is most of a reconcile.
// Each String method is the append form into a fresh buffer: there is one
// printer per type.

// textAppender is implemented by actions and learn specs that append their
// ovs-ofctl text to a buffer; others are printed through String.
type textAppender interface {
	appendText(b []byte) []byte
}

// AppendText appends the flow's ovs-ofctl text (Flow.String) to b.
func (f Flow) AppendText(b []byte) []byte {
	b = append(b, "table="...)
	b = strconv.AppendUint(b, uint64(f.Table), 10)
	b = append(b, ",priority="...)
	b = strconv.AppendUint(b, uint64(f.Priority), 10)
	if f.Cookie != 0 {
		b = append(b, ",cookie=0x"...)
		b = strconv.AppendUint(b, f.Cookie, 16)
	}
	if f.IdleTimeout != 0 {
		b = append(b, ",idle_timeout="...)
		b = strconv.AppendUint(b, uint64(f.IdleTimeout), 10)
	}
	if f.HardTimeout != 0 {
		b = append(b, ",hard_timeout="...)
		b = strconv.AppendUint(b, uint64(f.HardTimeout), 10)
	}
	if len(f.Match) > 0 {
		b = append(b, ',')
		b = f.Match.AppendText(b)
	}
	b = append(b, ",actions="...)
	return f.appendActions(b)
}

// appendActions appends the flow's instructions as ActionsString prints them.
func (f Flow) appendActions(b []byte) []byte {
	if f.Meter != 0 {
		b = append(b, "meter:"...)
		b = strconv.AppendUint(b, uint64(f.Meter), 10)
		if len(f.Actions) == 0 && f.Goto == 0 {
			return b
		}
		b = append(b, ',')
	}
	if f.Goto == 0 {
		return AppendActionsText(b, f.Actions)
	}
	if len(f.Actions) > 0 {
		b = AppendActionsText(b, f.Actions)
		b = append(b, ',')
	}
	b = append(b, "goto_table:"...)
	return strconv.AppendUint(b, uint64(f.Goto), 10)
}

// AppendActionsText appends the action list as ActionsString prints it.
func AppendActionsText(b []byte, actions []Action) []byte {
	if len(actions) == 0 {
		return append(b, "drop"...)
	}
	for i, a := range actions {
		if i > 0 {
			b = append(b, ',')
		}
		if t, ok := a.(textAppender); ok {
			b = t.appendText(b)
		} else {
			b = append(b, a.String()...)
		}
	}
	return b
}

// AppendText appends the match's ovs-ofctl text (Match.String) to b.
func (m Match) AppendText(b []byte) []byte {
	var sorted [8]MatchField // small matches sort on the stack
	for i, f := range m.canonicalIn(sorted[:0]) {
		if i > 0 {
			b = append(b, ',')
		}
		b = f.AppendText(b)
	}
	return b
}

// AppendText appends the field's ovs-ofctl text (MatchField.String) to b.
func (f MatchField) AppendText(b []byte) []byte {
	basic := f.Class == ClassOpenFlowBasic
	switch {
	case basic && f.Field == oxmVLANVID:
		// OF1.3 VLAN_VID holds OFPVID_PRESENT|vid; print it as ovs-ofctl's vlan_tci.
		v, m := binary.BigEndian.Uint16(pad(f.Value, 2)), uint16(0x1fff)
		if f.Mask != nil {
			m = binary.BigEndian.Uint16(pad(f.Mask, 2)) & 0x1fff
		}
		b = append(b, "vlan_tci=0x"...)
		b = appendHex16(b, v&m)
		b = append(b, "/0x"...)
		return appendHex16(b, m)
	case basic && f.Field == oxmEthType:
		b = append(b, "dl_type=0x"...)
		return appendHex16(b, binary.BigEndian.Uint16(pad(f.Value, 2)))
	}
	b = append(b, f.Name()...)
	b = append(b, '=')
	switch {
	case basic && (f.Field == oxmEthDst || f.Field == oxmEthSrc || f.Field == oxmARPSHA || f.Field == oxmNDSLL || f.Field == oxmNDTLL):
		b = appendMAC(b, f.Value)
		if f.Mask != nil {
			b = append(b, '/')
			b = appendMAC(b, f.Mask)
		}
		return b
	case basic && (f.Field == oxmIPv4Src || f.Field == oxmIPv4Dst || f.Field == oxmARPSPA || f.Field == oxmARPTPA),
		f.Class == ClassNXM1 && (f.Field == nxmTunIPv4Src || f.Field == nxmTunIPv4Dst),
		basic && (f.Field == oxmIPv6Src || f.Field == oxmNDTgt):
		return appendIPOrPrefix(b, f.Value, f.Mask)
	case basic && (f.Field == oxmInPort || f.Field == oxmIPProto || f.Field == oxmUDPDst || f.Field == oxmUDPSrc || f.Field == oxmARPOp || f.Field == oxmICMPv6T):
		return strconv.AppendUint(b, beUint(f.Value), 10)
	}
	b = append(b, "0x"...)
	b = strconv.AppendUint(b, beUint(f.Value), 16)
	if f.Mask != nil {
		b = append(b, "/0x"...)
		b = strconv.AppendUint(b, beUint(f.Mask), 16)
	}
	return b
}

// beUint reads a big-endian value of any length (the low 64 bits).
func beUint(p []byte) uint64 {
	var v uint64
	for _, c := range p {
		v = v<<8 | uint64(c)
	}
	return v
}

const hexDigits = "0123456789abcdef"

// appendHex16 appends v as four lowercase hex digits (%04x).
func appendHex16(b []byte, v uint16) []byte {
	return append(b, hexDigits[v>>12], hexDigits[v>>8&0xf], hexDigits[v>>4&0xf], hexDigits[v&0xf])
}

// appendMAC appends a hardware address as net.HardwareAddr.String does.
func appendMAC(b []byte, mac []byte) []byte {
	for i, c := range mac {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return b
}

// appendIP appends an address as net.IP.String does.
func appendIP(b []byte, ip net.IP) []byte {
	if len(ip) == net.IPv4len || len(ip) == net.IPv6len && ip.To4() != nil {
		v4 := ip.To4()
		for i, c := range v4 {
			if i > 0 {
				b = append(b, '.')
			}
			b = strconv.AppendUint(b, uint64(c), 10)
		}
		return b
	}
	return append(b, ip.String()...)
}

// appendIPOrPrefix appends an address, with its mask as a prefix length
// when it is one ("10.0.0.0/24") and as an address when not.
func appendIPOrPrefix(b []byte, value, mask []byte) []byte {
	b = appendIP(b, net.IP(value))
	if mask == nil {
		return b
	}
	b = append(b, '/')
	ones, bits := net.IPMask(mask).Size()
	if bits == 0 { // not a prefix mask
		return appendIP(b, net.IP(mask))
	}
	return strconv.AppendInt(b, int64(ones), 10)
}

// appendText appends the range as FieldRange.String prints it.
func (r FieldRange) appendText(b []byte) []byte {
	b = append(b, r.Field.Name...)
	if r.Ofs == 0 && (r.NBits == 0 || r.NBits == r.Field.Bits()) {
		return append(b, "[]"...)
	}
	b = append(b, '[')
	b = strconv.AppendUint(b, uint64(r.Ofs), 10)
	if w := r.Width(); w != 1 {
		b = append(b, ".."...)
		b = strconv.AppendUint(b, uint64(r.Ofs+w-1), 10)
	}
	return append(b, ']')
}
