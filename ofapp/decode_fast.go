package ofapp

import "net"

// decodeCommon decodes, without libOpenflow, the actions every vtep flow
// carries, in their one well-formed length: output, push and pop VLAN,
// group, the set-field actions the model holds, NXAST_REG_LOAD to a known
// field and NXAST_RESUBMIT_TABLE. Reading back 100,000 flows decodes
// hundreds of thousands of them, and libOpenflow allocates a decoder
// value per action behind a recover. It returns false for anything else
// (another length, another type, a field it does not know), which
// decodeAction then hands to libOpenflow as before: the result is the
// same either way (TestDecodeCommonAsLibOpenflow).
func decodeCommon(b []byte) (Action, bool) {
	switch typ, n := be.Uint16(b), len(b); {
	case typ == actOutput && n == 16:
		return Output{Port: be.Uint32(b[4:])}, true
	case typ == actPushVLAN && n == 8 && be.Uint16(b[4:]) == 0x8100:
		return PushVLAN{}, true
	case typ == actPopVLAN && n == 8:
		return PopVLAN{}, true
	case typ == actGroup && n == 8:
		return Group{ID: be.Uint32(b[4:])}, true
	case typ == actSetField && n >= 8:
		return decodeCommonSetField(b)
	case typ == actExperimenter && n >= 16 && be.Uint32(b[4:]) == experimenterNicira:
		return decodeCommonNicira(b)
	}
	return nil, false
}

// decodeCommonSetField decodes set_field of vlan_vid, tun_id, tun_dst and
// ip_dst, unmasked, padded to 8 bytes as OVS sends them.
func decodeCommonSetField(b []byte) (Action, bool) {
	class, field, hm, l := be.Uint16(b[4:]), b[6]>>1, b[6]&1, int(b[7])
	if hm != 0 || len(b) != (8+l+7)/8*8 {
		return nil, false
	}
	v := b[8 : 8+l]
	switch {
	case class == ClassOpenFlowBasic && field == oxmVLANVID && l == 2:
		return SetVLANVID{VID: be.Uint16(v) & 0x0fff}, true
	case class == ClassOpenFlowBasic && field == oxmTunID && l == 8:
		return SetTunnelID{ID: be.Uint64(v)}, true
	case class == ClassNXM1 && field == nxmTunIPv4Dst && l == 4:
		return SetTunnelDst{IP: net.IPv4(v[0], v[1], v[2], v[3])}, true
	case class == ClassOpenFlowBasic && field == oxmIPv4Dst && l == 4:
		return SetIPv4Dst{IP: net.IPv4(v[0], v[1], v[2], v[3])}, true
	}
	return nil, false
}

// decodeCommonNicira decodes NXAST_REG_LOAD into a known field and
// NXAST_RESUBMIT_TABLE to a table (not OFPTT_ALL) from the input port.
func decodeCommonNicira(b []byte) (Action, bool) {
	switch be.Uint16(b[8:]) {
	case nxastRegLoad:
		if len(b) != 24 {
			return nil, false
		}
		h := be.Uint32(b[12:])
		f, ok := knownFields[h]
		if !ok || f.Class != ClassNXM0 && f.Class != ClassNXM1 || f.Bytes > 8 {
			return nil, false
		}
		on := be.Uint16(b[10:])
		a := RegLoad{Dst: rangeOf(f, on>>6, on&0x3f+1), Value: be.Uint64(b[16:])}
		if validateAction(a) != nil {
			return raw(b), true // as decodeAction: a range the model cannot hold stays raw
		}
		return a, true
	case nxastResubmitTable:
		if len(b) != 16 || be.Uint16(b[10:]) != nxResubmitInPort || b[12] == 0xff {
			return nil, false
		}
		return Resubmit{Table: b[12]}, true
	}
	return nil, false
}
