package ofapp

import (
	"bytes"
	"net"

	of13 "github.com/contiv/libOpenflow/openflow13"
)

// This file converts what libOpenflow decoded into the model. Every byte
// slice handed to a libOpenflow decoder has been length-checked first and
// has cap == len, and every call runs under guard.

// fromOFLearn converts a decoded learn action; b is its wire form. Learn
// flags and FIN timeouts are outside the model, so such an action stays raw.
func fromOFLearn(l *of13.NXActionLearn, b []byte) (Action, error) {
	if l.Flags != 0 || l.FinIdleTimeout != 0 || l.FinHardTimeout != 0 {
		return raw(b), nil
	}
	a := Learn{IdleTimeout: l.IdleTimeout, HardTimeout: l.HardTimeout, Priority: l.Priority, Cookie: l.Cookie, Table: l.TableID}
	for _, s := range l.LearnSpecs {
		hb, err := s.Header.MarshalBinary()
		if err != nil || len(hb) < 2 {
			return nil, protoErr("learn spec: header unreadable")
		}
		h := be.Uint16(hb)
		nbits := h & 0x7ff
		if nbits == 0 {
			break // padding
		}
		if nbits > learnNBitsMask {
			return nil, protoErr("learn spec 0x%04x: invalid header", h)
		}
		spec, err := fromOFLearnSpec(s, h, nbits)
		if err != nil {
			return nil, err
		}
		if spec == nil {
			return raw(b), nil
		}
		a.Specs = append(a.Specs, spec)
	}
	return a, nil
}

// fromOFLearnSpec converts one learn spec with header h; nil means the spec
// is outside the model (output of an immediate).
func fromOFLearnSpec(s *of13.NXLearnSpec, h, nbits uint16) (LearnSpec, error) {
	isImm := s.SrcField == nil
	var imm uint64
	var src FieldRange
	if isImm {
		for _, c := range s.SrcValue {
			imm = imm<<8 | uint64(c)
		}
	} else {
		src = rangeOf(fieldOf(s.SrcField.Field), s.SrcField.Ofs, nbits)
	}
	var dst FieldRange
	if s.DstField != nil {
		dst = rangeOf(fieldOf(s.DstField.Field), s.DstField.Ofs, nbits)
	}
	switch h & learnDstMask {
	case 0:
		if isImm {
			return LearnMatchValue{Dst: dst, Value: imm}, nil
		}
		return LearnMatchField{Dst: dst, Src: src}, nil
	case learnDstLoad:
		if isImm {
			return LearnLoadValue{Dst: dst, Value: imm}, nil
		}
		return LearnLoadField{Src: src, Dst: dst}, nil
	case learnDstOutput:
		if isImm {
			return nil, nil
		}
		return LearnOutputField{Src: src}, nil
	}
	return nil, protoErr("learn spec 0x%04x: unknown destination type", h)
}

// decodeGoto decodes a goto-table instruction of exactly 8 bytes.
func decodeGoto(b []byte) (uint8, error) {
	var in of13.InstrGotoTable
	if err := guard("goto table", func() error { return in.UnmarshalBinary(b) }); err != nil {
		return 0, err
	}
	return in.TableId, nil
}

// featuresLen is the size of an OpenFlow 1.3 FEATURES_REPLY.
const featuresLen = 32

// decodeFeatures decodes a FEATURES_REPLY through libOpenflow's
// SwitchFeatures. OpenFlow 1.3 replies carry no ports; only the 32 bytes of
// the reply go to the decoder, which would otherwise read ports from the rest.
func decodeFeatures(msg []byte) (Features, error) {
	if len(msg) < featuresLen {
		return Features{}, protoErr("FEATURES_REPLY of %d bytes, need %d", len(msg), featuresLen)
	}
	sf := of13.NewFeaturesReply()
	if err := guard("features reply", func() error { return sf.UnmarshalBinary(msg[:featuresLen:featuresLen]) }); err != nil {
		return Features{}, err
	}
	return Features{
		DPID:         be.Uint64(sf.DPID),
		NBuffers:     sf.Buffers,
		NTables:      sf.NumTables,
		AuxiliaryID:  sf.AuxilaryId,
		Capabilities: sf.Capabilities,
	}, nil
}

// portLen is the size of ofp_port.
const portLen = 64

// fromPhyPort converts libOpenflow's ofp_port.
func fromPhyPort(p *of13.PhyPort) Port {
	name := p.Name
	if i := bytes.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	return Port{
		No:        p.PortNo,
		HWAddr:    net.HardwareAddr(append([]byte(nil), p.HWAddr...)),
		Name:      string(name),
		Config:    p.Config,
		State:     p.State,
		CurrSpeed: p.CurrSpeed,
		MaxSpeed:  p.MaxSpeed,
	}
}

// decodePort decodes one ofp_port through libOpenflow's PhyPort.
func decodePort(b []byte) (Port, error) {
	if len(b) < portLen {
		return Port{}, protoErr("port: %d bytes, need %d", len(b), portLen)
	}
	p := of13.NewPhyPort()
	if err := guard("port", func() error { return p.UnmarshalBinary(b[:portLen:portLen]) }); err != nil {
		return Port{}, err
	}
	return fromPhyPort(p), nil
}

// portStatusLen is the size of a PORT_STATUS message.
const portStatusLen = headerLen + 8 + portLen

// decodePortStatus decodes a whole PORT_STATUS message through libOpenflow's
// PortStatus.
func decodePortStatus(msg []byte) (portStatus, error) {
	if len(msg) < portStatusLen {
		return portStatus{}, protoErr("port status: %d bytes, need %d", len(msg), portStatusLen)
	}
	ps := of13.NewPortStatus()
	ps.Desc = *of13.NewPhyPort()
	if err := guard("port status", func() error { return ps.UnmarshalBinary(msg[:portStatusLen:portStatusLen]) }); err != nil {
		return portStatus{}, err
	}
	if ps.Reason > uint8(PortModify) {
		return portStatus{}, protoErr("port status: reason %d unknown", ps.Reason)
	}
	return portStatus{Reason: PortReason(ps.Reason), Port: fromPhyPort(&ps.Desc)}, nil
}

// errorLen is the size of an OFPT_ERROR without data.
const errorLen = headerLen + 4

// decodeError decodes a whole OFPT_ERROR message through libOpenflow's
// ErrorMsg (VendorError for experimenter errors).
func decodeError(msg []byte) (*OFError, error) {
	if len(msg) < errorLen {
		return nil, protoErr("error message: %d bytes, need %d", len(msg), errorLen)
	}
	msg = msg[:len(msg):len(msg)]
	if be.Uint16(msg[headerLen:]) == ErrTypeExperimenter {
		if len(msg) < errorLen+4 {
			return nil, protoErr("experimenter error message: %d bytes, need %d", len(msg), errorLen+4)
		}
		ve := &of13.VendorError{}
		if err := guard("experimenter error", func() error { return ve.UnmarshalBinary(msg) }); err != nil {
			return nil, err
		}
		return &OFError{Type: ve.Type, Code: ve.Code, Experimenter: ve.ExperimenterID, Data: append([]byte(nil), ve.Data.Bytes()...)}, nil
	}
	em := of13.NewErrorMsg()
	if err := guard("error", func() error { return em.UnmarshalBinary(msg) }); err != nil {
		return nil, err
	}
	return &OFError{Type: em.Type, Code: em.Code, Data: append([]byte(nil), em.Data.Bytes()...)}, nil
}
