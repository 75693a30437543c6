package ofapp

import (
	"fmt"

	of13 "github.com/contiv/libOpenflow/openflow13"
)

// This file turns the flow model into libOpenflow's openflow13 values, which
// then encode themselves (MarshalBinary). The model keeps match values in
// wire form, so they ride in libOpenflow's MatchField as wireBytes.

// wireBytes is a util.Message holding bytes exactly as they travel: an OXM
// value or mask, a request body libOpenflow has no type for, or an action
// outside the model (RawAction).
type wireBytes struct{ b []byte }

// Len returns the number of bytes.
func (w *wireBytes) Len() uint16 { return uint16(len(w.b)) }

// MarshalBinary returns the bytes.
func (w *wireBytes) MarshalBinary() ([]byte, error) { return w.b, nil }

// UnmarshalBinary keeps a copy of data.
func (w *wireBytes) UnmarshalBinary(data []byte) error {
	w.b = append(w.b[:0], data...)
	return nil
}

// rawOFAction is a RawAction as a libOpenflow Action: its bytes go out as
// they are.
type rawOFAction struct {
	wireBytes
	hdr of13.ActionHeader
}

// Header returns the action's type and length.
func (r *rawOFAction) Header() *of13.ActionHeader { return &r.hdr }

func newRawOFAction(b []byte) *rawOFAction {
	return &rawOFAction{wireBytes: wireBytes{b: b}, hdr: of13.ActionHeader{Type: be.Uint16(b), Length: be.Uint16(b[2:])}}
}

// ofMatchField converts one OXM TLV of the model, checking what libOpenflow
// does not: the one-byte length and the mask's size.
func ofMatchField(f MatchField) (of13.MatchField, error) {
	n := len(f.Value) + len(f.Mask)
	if n > 255 || len(f.Value) == 0 {
		return of13.MatchField{}, fmt.Errorf("match field %s: value of %d bytes cannot be encoded", f.Name(), len(f.Value))
	}
	if f.Mask != nil && len(f.Mask) != len(f.Value) && f.Class != oxmExperimenterClas {
		return of13.MatchField{}, fmt.Errorf("match field %s: mask of %d bytes for a %d-byte value", f.Name(), len(f.Mask), len(f.Value))
	}
	if f.Field > 127 {
		return of13.MatchField{}, fmt.Errorf("match field %s: field number %d exceeds 127", f.Name(), f.Field)
	}
	mf := of13.MatchField{Class: f.Class, Field: f.Field, Length: uint8(n), Value: &wireBytes{b: f.Value}}
	if f.Mask != nil {
		mf.HasMask = true
		mf.Mask = &wireBytes{b: f.Mask}
	}
	return mf, nil
}

// ofMatch converts a match; libOpenflow pads it to 8 bytes.
func ofMatch(m Match) (of13.Match, error) {
	om := of13.Match{Type: of13.MatchType_OXM, Length: 4, Fields: make([]of13.MatchField, 0, len(m))}
	n := 4
	for _, f := range m {
		mf, err := ofMatchField(f)
		if err != nil {
			return om, err
		}
		n += 4 + int(mf.Length)
		om.AddField(mf)
	}
	if n > 0xffff {
		return om, fmt.Errorf("match %s: %d bytes exceed the 65535-byte limit", m, n)
	}
	return om, nil
}

// nxField is the NXM header of a field, as Nicira actions refer to it.
func nxField(f Field) *of13.MatchField {
	return &of13.MatchField{Class: f.Class, Field: f.Field, Length: f.Bytes}
}

func ofSetField(f MatchField) (of13.Action, error) {
	mf, err := ofMatchField(f)
	if err != nil {
		return nil, err
	}
	return of13.NewActionSetField(mf), nil
}

// ofAction converts one action of the model.
func ofAction(a Action) (of13.Action, error) {
	switch a := a.(type) {
	case Output:
		o := of13.NewActionOutput(a.Port)
		o.MaxLen = 0
		if a.Port == of13.P_CONTROLLER {
			o.MaxLen = of13.OFPCML_NO_BUFFER
		}
		return o, nil
	case OutputReg:
		return of13.NewOutputFromField(nxField(a.Src.Field), ofsNBits(a.Src)), nil
	case PushVLAN:
		return of13.NewActionPushVlan(0x8100), nil
	case PopVLAN:
		return of13.NewActionPopVlan(), nil
	case SetVLANVID:
		return ofSetField(MatchField{Class: ClassOpenFlowBasic, Field: oxmVLANVID, Value: u16(VLANPresent | a.VID&0x0fff)})
	case SetTunnelID:
		return ofSetField(MatchTunnelID(a.ID))
	case SetTunnelDst:
		ip := a.IP.To4()
		if ip == nil {
			return nil, fmt.Errorf("action %s: tun_dst %q is not an IPv4 address", a, a.IP)
		}
		return ofSetField(MatchField{Class: ClassNXM1, Field: nxmTunIPv4Dst, Value: ip})
	case SetIPv4Dst:
		ip := a.IP.To4()
		if ip == nil {
			return nil, fmt.Errorf("action %s: ip_dst %q is not an IPv4 address", a, a.IP)
		}
		return ofSetField(MatchField{Class: ClassOpenFlowBasic, Field: oxmIPv4Dst, Value: ip})
	case SetEthDst:
		if len(a.MAC) != 6 {
			return nil, fmt.Errorf("action %s: eth_dst %q is not a 48-bit MAC address", a, a.MAC)
		}
		return ofSetField(MatchEthDst(a.MAC))
	case RegLoad:
		return of13.NewNXActionRegLoad(ofsNBits(a.Dst), nxField(a.Dst.Field), a.Value), nil
	case RegMove:
		return of13.NewNXActionRegMove(a.Src.Width(), a.Src.Ofs, a.Dst.Ofs, nxField(a.Src.Field), nxField(a.Dst.Field)), nil
	case Resubmit:
		return of13.NewNXActionResubmitTableAction(of13.OFPP_IN_PORT, a.Table), nil
	case Group:
		return of13.NewActionGroup(a.ID), nil
	case Learn:
		return ofLearn(a)
	case RawAction:
		if len(a.Bytes) < 8 || len(a.Bytes)%8 != 0 || len(a.Bytes) > 0xfff8 {
			return nil, fmt.Errorf("action %s: raw action of %d bytes is not a multiple of 8", a, len(a.Bytes))
		}
		return newRawOFAction(a.Bytes), nil
	case nil:
		return nil, fmt.Errorf("nil action")
	}
	return nil, fmt.Errorf("action %s (%T) has no OpenFlow encoding", a, a)
}

func learnField(r FieldRange) *of13.NXLearnSpecField {
	return &of13.NXLearnSpecField{Field: nxField(r.Field), Ofs: r.Ofs}
}

// learnImmediate is a learn immediate: ceil(nbits/16) 16-bit words.
func learnImmediate(v uint64, nbits uint16) []byte {
	return appendImmediate(make([]byte, 0, (nbits+15)/16*2), v, nbits)
}

// ofLearn converts a learn action and its specs.
func ofLearn(a Learn) (of13.Action, error) {
	if a.learn2() {
		return nil, fmt.Errorf("action %s: libOpenflow has no NXAST_LEARN2 (limit, result_dst)", a)
	}
	l := of13.NewNXActionLearn()
	l.IdleTimeout, l.HardTimeout, l.Priority, l.Cookie, l.TableID = a.IdleTimeout, a.HardTimeout, a.Priority, a.Cookie, a.Table
	l.LearnSpecs = make([]*of13.NXLearnSpec, 0, len(a.Specs))
	for _, s := range a.Specs {
		var spec *of13.NXLearnSpec
		switch s := s.(type) {
		case LearnMatchField:
			spec = &of13.NXLearnSpec{Header: of13.NewLearnHeaderMatchFromField(s.Dst.Width()), SrcField: learnField(s.Src), DstField: learnField(s.Dst)}
		case LearnMatchValue:
			w := s.Dst.Width()
			spec = &of13.NXLearnSpec{Header: of13.NewLearnHeaderMatchFromValue(w), SrcValue: learnImmediate(s.Value, w), DstField: learnField(s.Dst)}
		case LearnLoadField:
			spec = &of13.NXLearnSpec{Header: of13.NewLearnHeaderLoadFromField(s.Dst.Width()), SrcField: learnField(s.Src), DstField: learnField(s.Dst)}
		case LearnLoadValue:
			w := s.Dst.Width()
			spec = &of13.NXLearnSpec{Header: of13.NewLearnHeaderLoadFromValue(w), SrcValue: learnImmediate(s.Value, w), DstField: learnField(s.Dst)}
		case LearnOutputField:
			spec = &of13.NXLearnSpec{Header: of13.NewLearnHeaderOutputFromField(s.Src.Width()), SrcField: learnField(s.Src)}
		default:
			return nil, fmt.Errorf("action %s: learn spec %T has no OpenFlow encoding", a, s)
		}
		l.LearnSpecs = append(l.LearnSpecs, spec)
	}
	n := 32
	for _, s := range l.LearnSpecs {
		n += int(s.Len())
	}
	if n > 0xfff8 {
		return nil, fmt.Errorf("action %s: %d bytes exceed the action length limit", a, n)
	}
	l.Length = l.Len()
	return l, nil
}

// ofGroupMod builds the libOpenflow GROUP_MOD for g.
func ofGroupMod(xid uint32, g *GroupEntry, cmd uint16) (*of13.GroupMod, error) {
	gm := &of13.GroupMod{Command: cmd, Type: uint8(g.Type), GroupId: g.ID}
	gm.Header = ofHeader(typeGroupMod, xid)
	if cmd == groupDelete {
		return gm, nil
	}
	for _, bk := range g.Buckets {
		b := of13.NewBucket()
		for _, a := range bk.Actions {
			oa, err := ofAction(a)
			if err != nil {
				return nil, err
			}
			b.AddAction(oa)
		}
		gm.AddBucket(*b)
	}
	return gm, nil
}
