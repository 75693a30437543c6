package ofapp

import (
	"encoding/binary"
	"fmt"
	"net"

	of13 "github.com/contiv/libOpenflow/openflow13"
)

var be = binary.BigEndian

// knownFields maps an NXM/OXM header (without mask bit) to the model's Field.
var knownFields = func() map[uint32]Field {
	m := map[uint32]Field{}
	for _, f := range []Field{FieldInPort, FieldEthDst, FieldEthSrc, FieldVLANTCI, FieldTunID, FieldTunIPv4Src, FieldTunIPv4Dst,
		FieldEthType, FieldARPOp, FieldARPSPA, FieldARPTPA, FieldARPSHA, FieldARPTHA,
		FieldIPProto, FieldIPv6Src, FieldIPv6Dst, FieldICMPv6Type, FieldNDTarget, FieldNDSLL, FieldNDTLL,
		FieldNDReserved, FieldNDOptionsType} {
		m[nxmHeader(f)] = f
	}
	for i := 0; i < 16; i++ {
		f := FieldReg(i)
		m[nxmHeader(f)] = f
	}
	return m
}()

// fieldFromHeader returns the Field an NXM header names; unknown headers get
// a descriptive name so they still print and compare.
func fieldFromHeader(h uint32) Field {
	h &^= 0x100 // no mask bit
	if f, ok := knownFields[h]; ok {
		return f
	}
	return Field{Name: fmt.Sprintf("NXM_0x%08x", h), Class: uint16(h >> 16), Field: uint8(h>>9) & 0x7f, Bytes: uint8(h)}
}

// rangeOf builds a FieldRange in the model's canonical form (whole field:
// Ofs 0 and NBits 0).
func rangeOf(f Field, ofs, nbits uint16) FieldRange {
	if ofs == 0 && nbits == f.Bits() {
		return Whole(f)
	}
	return FieldRange{Field: f, Ofs: ofs, NBits: nbits}
}

// decodeMatch decodes an ofp_match and returns it with the number of bytes
// it takes including padding.
func decodeMatch(b []byte) (Match, int, error) {
	if len(b) < 4 {
		return nil, 0, protoErr("match: %d bytes, need 4", len(b))
	}
	typ, n := be.Uint16(b), int(be.Uint16(b[2:]))
	if typ != oxmMatchType {
		return nil, 0, protoErr("match: type %d is not OXM", typ)
	}
	padded := (n + 7) / 8 * 8
	if n < 4 || padded > len(b) {
		return nil, 0, protoErr("match: length %d does not fit %d bytes", n, len(b))
	}
	// One copy of the fields' bytes holds every value and mask (each
	// sliced to its own capacity), and the match is sized by a first pass:
	// a read of 100,000 flows allocates two blocks per match, not several
	// per field.
	p := append([]byte(nil), b[4:n]...)
	m := make(Match, 0, countFields(p))
	for len(p) > 0 {
		if len(p) < 4 {
			return nil, 0, protoErr("match: %d trailing bytes", len(p))
		}
		class, field, hm, l := be.Uint16(p), p[2]>>1, p[2]&1, int(p[3])
		if 4+l > len(p) {
			return nil, 0, protoErr("match field 0x%04x:%d: length %d exceeds the match", class, field, l)
		}
		v := p[4 : 4+l]
		f := MatchField{Class: class, Field: field}
		if hm == 1 {
			vl, ml := l/2, l
			if class == oxmExperimenterClas {
				if l < 4 {
					return nil, 0, protoErr("match field 0x%04x:%d: experimenter field of %d bytes", class, field, l)
				}
				vl, ml = 4+(l-4)/2, l-4
			}
			if ml%2 != 0 {
				return nil, 0, protoErr("match field 0x%04x:%d: masked field of %d bytes: value and mask differ in length", class, field, l)
			}
			f.Value = v[:vl:vl]
			f.Mask = v[vl:l:l]
		} else {
			f.Value = v[:l:l]
		}
		if len(f.Value) == 0 {
			return nil, 0, protoErr("match field 0x%04x:%d: empty value", class, field)
		}
		m = append(m, f)
		p = p[4+l:]
	}
	return m, padded, nil
}

// countFields counts the TLVs of an OXM field list, as far as they frame.
func countFields(p []byte) int {
	n := 0
	for len(p) >= 4 && 4+int(p[3]) <= len(p) {
		n++
		p = p[4+int(p[3]):]
	}
	return n
}

// decodeActions decodes a list of OpenFlow 1.3 actions. It frames the list
// itself (libOpenflow steps by the length its own types imply, not the one
// on the wire) and hands each action, cut to its length, to decodeAction.
func decodeActions(b []byte) ([]Action, error) {
	var as []Action
	for len(b) > 0 {
		if len(b) < 8 {
			return nil, protoErr("action: %d trailing bytes", len(b))
		}
		typ, n := be.Uint16(b), int(be.Uint16(b[2:]))
		if n < 8 || n%8 != 0 || n > len(b) {
			return nil, protoErr("action type %d: length %d invalid (%d bytes left)", typ, n, len(b))
		}
		a, err := decodeAction(b[:n:n])
		if err != nil {
			return nil, err
		}
		as = append(as, a)
		b = b[n:]
	}
	return as, nil
}

func raw(b []byte) Action { return RawAction{Bytes: append([]byte(nil), b...)} }

// libDecodes reports whether libOpenflow decodes an action of this type into
// one the model holds. Others stay raw: libOpenflow panics on types it does
// not know, and decodes NXAST_OUTPUT_REG2 as if it were NXAST_OUTPUT_REG.
func libDecodes(b []byte) bool {
	switch be.Uint16(b) {
	case actOutput, actPushVLAN, actPopVLAN, actGroup:
		return true
	case actExperimenter:
		if len(b) < 16 || be.Uint32(b[4:]) != experimenterNicira {
			return false
		}
		switch be.Uint16(b[8:]) {
		case nxastRegMove, nxastRegLoad, nxastResubmitTable, nxastOutputReg, nxastLearn:
			return true
		}
	}
	return false
}

// decodeAction decodes one action of exactly len(b) bytes (cap(b) == len(b),
// so a decoder that trusts a length field panics instead of reading past it).
func decodeAction(b []byte) (Action, error) {
	if a, ok := decodeCommon(b); ok {
		return a, nil
	}
	return decodeActionLib(b)
}

// decodeActionLib is decodeAction for the actions decodeCommon leaves:
// learn, check_pkt_larger and set-field ones are read here, the rest by
// libOpenflow, and what the model does not hold stays raw.
func decodeActionLib(b []byte) (Action, error) {
	if be.Uint16(b) == actSetField {
		return decodeSetField(b)
	}
	if isLearn2(b) {
		return decodeLearn2(b)
	}
	if isCheckPktLarger(b) {
		return decodeCheckPktLarger(b)
	}
	if !libDecodes(b) {
		return raw(b), nil
	}
	var oa of13.Action
	err := guard("action", func() (err error) {
		oa, err = of13.DecodeAction(b)
		return err
	})
	if err != nil {
		return nil, protoErr("action type %d of %d bytes: %v", be.Uint16(b), len(b), err)
	}
	a, err := fromOFAction(oa, b)
	if err != nil {
		return nil, err
	}
	if _, isRaw := a.(RawAction); !isRaw && validateAction(a) != nil {
		return raw(b), nil // field ranges the model cannot hold (beyond the field, zero bits)
	}
	return a, nil
}

// fromOFAction converts a libOpenflow action into the model; b is its wire form.
func fromOFAction(oa of13.Action, b []byte) (Action, error) {
	switch a := oa.(type) {
	case *of13.ActionOutput:
		return Output{Port: a.Port}, nil
	case *of13.ActionPush:
		if a.EtherType == 0x8100 {
			return PushVLAN{}, nil
		}
	case *of13.ActionHeader:
		if a.Type == actPopVLAN {
			return PopVLAN{}, nil
		}
	case *of13.ActionGroup:
		return Group{ID: a.GroupId}, nil
	case *of13.NXActionRegLoad:
		on := a.OfsNbits
		return RegLoad{Dst: rangeOf(fieldOf(a.DstReg), on>>6, on&0x3f+1), Value: a.Value}, nil
	case *of13.NXActionRegMove:
		if a.Nbits == 0 {
			break
		}
		return RegMove{Src: rangeOf(fieldOf(a.SrcField), a.SrcOfs, a.Nbits), Dst: rangeOf(fieldOf(a.DstField), a.DstOfs, a.Nbits)}, nil
	case *of13.NXActionResubmitTable:
		if a.InPort == nxResubmitInPort && a.TableID != 0xff && !a.IsCT() {
			return Resubmit{Table: a.TableID}, nil
		}
	case *of13.NXActionOutputReg:
		on := a.OfsNbits
		return OutputReg{Src: rangeOf(fieldOf(a.SrcField), on>>6, on&0x3f+1)}, nil
	case *of13.NXActionLearn:
		return fromOFLearn(a, b)
	}
	return raw(b), nil
}

// fieldOf names the field an NXM header of libOpenflow's refers to.
func fieldOf(mf *of13.MatchField) Field { return fieldFromHeader(mf.MarshalHeader()) }

// decodeSetField decodes a set-field action. libOpenflow decodes the OXM
// value of the fields the model sets, except eth_dst: its EthDstField
// decodes into a nil address (TestLibOpenflowEthDstDecodesEmpty), so that
// one is read here.
func decodeSetField(b []byte) (Action, error) {
	class, field, hm, l := be.Uint16(b[4:]), b[6]>>1, b[6]&1, int(b[7])
	if hm == 1 || 8+l > len(b) {
		return raw(b), nil
	}
	switch {
	case class == ClassOpenFlowBasic && field == oxmEthDst && l == 6:
		return SetEthDst{MAC: net.HardwareAddr(append([]byte(nil), b[8:14]...))}, nil
	case class == ClassOpenFlowBasic && field == oxmVLANVID && l == 2,
		class == ClassOpenFlowBasic && field == oxmTunID && l == 8,
		class == ClassNXM1 && field == nxmTunIPv4Dst && l == 4,
		class == ClassOpenFlowBasic && field == oxmIPv4Dst && l == 4:
	default:
		return raw(b), nil
	}
	var sf of13.ActionSetField
	if err := guard("set field", func() error { return sf.UnmarshalBinary(b) }); err != nil {
		return nil, protoErr("set field action of %d bytes: %v", len(b), err)
	}
	switch v := sf.Field.Value.(type) {
	case *of13.VlanIdField:
		return SetVLANVID{VID: v.VlanId & 0x0fff}, nil
	case *of13.TunnelIdField:
		return SetTunnelID{ID: v.TunnelId}, nil
	case *of13.TunnelIpv4DstField:
		return SetTunnelDst{IP: v.TunnelIpv4Dst}, nil
	case *of13.Ipv4DstField:
		return SetIPv4Dst{IP: v.Ipv4Dst}, nil
	}
	return raw(b), nil
}

// decodeInstructions fills the flow's Actions, Goto and Meter from its
// instructions (the meter instruction through libOpenflow's InstrMeter).
// Instructions outside the model make the whole list raw.
func decodeInstructions(b []byte, f *Flow) error {
	for len(b) > 0 {
		if len(b) < 8 {
			return protoErr("instruction: %d trailing bytes", len(b))
		}
		typ, n := be.Uint16(b), int(be.Uint16(b[2:]))
		if n < 8 || n > len(b) {
			return protoErr("instruction type %d: length %d invalid (%d bytes left)", typ, n, len(b))
		}
		switch typ {
		case instGotoTable:
			if n != 8 {
				return protoErr("goto-table instruction of %d bytes, want 8", n)
			}
			t, err := decodeGoto(b[:8:8])
			if err != nil {
				return err
			}
			f.Goto = t
		case instMeter:
			if n != 8 {
				return protoErr("meter instruction of %d bytes, want 8", n)
			}
			var im of13.InstrMeter
			if err := guard("meter instruction", func() error { return im.UnmarshalBinary(b[:8:8]) }); err != nil {
				return err
			}
			f.Meter = im.MeterId
		case instApplyActions:
			as, err := decodeActions(b[8:n])
			if err != nil {
				return err
			}
			f.Actions = append(f.Actions, as...)
		default:
			f.Actions = append(f.Actions, RawAction{Bytes: append([]byte(nil), b[:n]...)})
		}
		b = b[n:]
	}
	return nil
}
