package ofapp

import (
	"encoding/binary"
	"fmt"
	"net"
)

var be = binary.BigEndian

// knownFields maps an NXM/OXM header (without mask bit) to the model's Field.
var knownFields = func() map[uint32]Field {
	m := map[uint32]Field{}
	for _, f := range []Field{FieldInPort, FieldEthDst, FieldEthSrc, FieldVLANTCI, FieldTunID, FieldTunIPv4Src, FieldTunIPv4Dst} {
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
	var m Match
	p := b[4:n]
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
			vl := l / 2
			if class == oxmExperimenterClas {
				if l < 4 {
					return nil, 0, protoErr("match field 0x%04x:%d: experimenter field of %d bytes", class, field, l)
				}
				vl = 4 + (l-4)/2
			}
			f.Value = append([]byte(nil), v[:vl]...)
			f.Mask = append([]byte(nil), v[vl:]...)
		} else {
			f.Value = append([]byte(nil), v...)
		}
		if len(f.Value) == 0 {
			return nil, 0, protoErr("match field 0x%04x:%d: empty value", class, field)
		}
		m = append(m, f)
		p = p[4+l:]
	}
	return m, padded, nil
}

// decodeActions decodes a list of OpenFlow 1.3 actions.
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
		a, err := decodeAction(b[:n])
		if err != nil {
			return nil, err
		}
		as = append(as, a)
		b = b[n:]
	}
	return as, nil
}

func raw(b []byte) Action { return RawAction{Bytes: append([]byte(nil), b...)} }

func decodeAction(b []byte) (Action, error) {
	typ := be.Uint16(b)
	switch typ {
	case actOutput:
		if len(b) < 16 {
			return nil, protoErr("output action: length %d, need 16", len(b))
		}
		return Output{Port: be.Uint32(b[4:])}, nil
	case actPushVLAN:
		if be.Uint16(b[4:]) != 0x8100 {
			return raw(b), nil
		}
		return PushVLAN{}, nil
	case actPopVLAN:
		return PopVLAN{}, nil
	case actGroup:
		return Group{ID: be.Uint32(b[4:])}, nil
	case actSetField:
		return decodeSetField(b)
	case actExperimenter:
		if len(b) >= 16 && be.Uint32(b[4:]) == experimenterNicira {
			return decodeNicira(b)
		}
	}
	return raw(b), nil
}

func decodeSetField(b []byte) (Action, error) {
	// One OXM TLV follows the action header, then padding.
	class, field, hm, l := be.Uint16(b[4:]), b[6]>>1, b[6]&1, int(b[7])
	if hm == 1 || 8+l > len(b) {
		return raw(b), nil
	}
	v := b[8 : 8+l]
	switch {
	case class == ClassOpenFlowBasic && field == oxmVLANVID && l == 2:
		return SetVLANVID{VID: be.Uint16(v) & 0x0fff}, nil
	case class == ClassOpenFlowBasic && field == oxmTunID && l == 8:
		return SetTunnelID{ID: be.Uint64(v)}, nil
	case class == ClassNXM1 && field == nxmTunIPv4Dst && l == 4:
		return SetTunnelDst{IP: net.IPv4(v[0], v[1], v[2], v[3])}, nil
	case class == ClassOpenFlowBasic && field == oxmIPv4Dst && l == 4:
		return SetIPv4Dst{IP: net.IPv4(v[0], v[1], v[2], v[3])}, nil
	case class == ClassOpenFlowBasic && field == oxmEthDst && l == 6:
		return SetEthDst{MAC: net.HardwareAddr(append([]byte(nil), v...))}, nil
	}
	return raw(b), nil
}

func decodeNicira(b []byte) (Action, error) {
	sub := be.Uint16(b[8:])
	body := b[10:]
	switch sub {
	case nxastRegLoad:
		if len(b) < 24 {
			break
		}
		on := be.Uint16(body)
		f := fieldFromHeader(be.Uint32(body[2:]))
		return RegLoad{Dst: rangeOf(f, on>>6, on&0x3f+1), Value: be.Uint64(body[6:])}, nil
	case nxastRegMove:
		if len(b) < 24 {
			break
		}
		nb, so, do := be.Uint16(body), be.Uint16(body[2:]), be.Uint16(body[4:])
		src, dst := fieldFromHeader(be.Uint32(body[6:])), fieldFromHeader(be.Uint32(body[10:]))
		return RegMove{Src: rangeOf(src, so, nb), Dst: rangeOf(dst, do, nb)}, nil
	case nxastResubmitTable:
		if be.Uint16(body) != nxResubmitInPort || body[2] == 0xff {
			break
		}
		return Resubmit{Table: body[2]}, nil
	case nxastOutputReg:
		if len(b) < 24 {
			break
		}
		on := be.Uint16(body)
		return OutputReg{Src: rangeOf(fieldFromHeader(be.Uint32(body[2:])), on>>6, on&0x3f+1)}, nil
	case nxastLearn:
		return decodeLearn(b)
	}
	return raw(b), nil
}

func decodeLearn(b []byte) (Action, error) {
	if len(b) < 32 {
		return nil, protoErr("learn action: length %d, need 32", len(b))
	}
	body := b[10:]
	a := Learn{
		IdleTimeout: be.Uint16(body),
		HardTimeout: be.Uint16(body[2:]),
		Priority:    be.Uint16(body[4:]),
		Cookie:      be.Uint64(body[6:]),
		Table:       body[16],
	}
	if flags := be.Uint16(body[14:]); flags != 0 || be.Uint16(body[18:]) != 0 || be.Uint16(body[20:]) != 0 {
		return raw(b), nil // flags and fin timeouts are outside the model
	}
	p := b[32:]
	for len(p) >= 2 {
		h := be.Uint16(p)
		if h == 0 {
			break
		}
		p = p[2:]
		nbits := h & learnNBitsMask
		if nbits == 0 || h>>14 != 0 {
			return nil, protoErr("learn spec 0x%04x: invalid header", h)
		}
		var src FieldRange
		var imm uint64
		if h&learnSrcImmediate != 0 {
			n := int(nbits+15) / 16 * 2
			if len(p) < n {
				return nil, protoErr("learn spec 0x%04x: immediate of %d bytes truncated", h, n)
			}
			for _, c := range p[:n] {
				imm = imm<<8 | uint64(c)
			}
			p = p[n:]
		} else {
			if len(p) < 6 {
				return nil, protoErr("learn spec 0x%04x: source truncated", h)
			}
			src = rangeOf(fieldFromHeader(be.Uint32(p)), be.Uint16(p[4:]), nbits)
			p = p[6:]
		}
		var dst FieldRange
		if h&learnDstMask != learnDstOutput {
			if len(p) < 6 {
				return nil, protoErr("learn spec 0x%04x: destination truncated", h)
			}
			dst = rangeOf(fieldFromHeader(be.Uint32(p)), be.Uint16(p[4:]), nbits)
			p = p[6:]
		}
		isImm := h&learnSrcImmediate != 0
		switch h & learnDstMask {
		case 0:
			if isImm {
				a.Specs = append(a.Specs, LearnMatchValue{Dst: dst, Value: imm})
			} else {
				a.Specs = append(a.Specs, LearnMatchField{Dst: dst, Src: src})
			}
		case learnDstLoad:
			if isImm {
				a.Specs = append(a.Specs, LearnLoadValue{Dst: dst, Value: imm})
			} else {
				a.Specs = append(a.Specs, LearnLoadField{Src: src, Dst: dst})
			}
		case learnDstOutput:
			if isImm {
				return raw(b), nil
			}
			a.Specs = append(a.Specs, LearnOutputField{Src: src})
		default:
			return nil, protoErr("learn spec 0x%04x: unknown destination type", h)
		}
	}
	return a, nil
}

// decodeInstructions fills the flow's Actions and Goto from its instructions.
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
			f.Goto = b[4]
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
