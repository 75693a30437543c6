package ofapp

import "fmt"

// FLOW_MOD is encoded here, byte by byte, rather than through libOpenflow's
// FlowMod: libOpenflow encodes the same bytes (TestEncodingMatchesGolden)
// but costs 2.6-4.2 us and 39 allocations per flow against 0.45 us and 5
// here (BenchmarkEncodeFlowMod), which made BenchmarkInstallVsOvsOfctl 30-70%
// slower. ofapp/doc.go has the figures.

// appendOXM appends one OXM TLV.
func appendOXM(b []byte, f MatchField) ([]byte, error) {
	n := len(f.Value) + len(f.Mask)
	if n > 255 || len(f.Value) == 0 {
		return b, fmt.Errorf("match field %s: value of %d bytes cannot be encoded", f.Name(), len(f.Value))
	}
	if f.Mask != nil && len(f.Mask) != len(f.Value) && f.Class != oxmExperimenterClas {
		return b, fmt.Errorf("match field %s: mask of %d bytes for a %d-byte value", f.Name(), len(f.Mask), len(f.Value))
	}
	hm := uint8(0)
	if f.Mask != nil {
		hm = 1
	}
	b = append(b, byte(f.Class>>8), byte(f.Class), f.Field<<1|hm, byte(n))
	b = append(b, f.Value...)
	return append(b, f.Mask...), nil
}

// appendMatch appends an ofp_match of type OXM, padded to 8 bytes.
func appendMatch(b []byte, m Match) ([]byte, error) {
	start := len(b)
	b = append(b, 0, byte(oxmMatchType), 0, 0)
	var err error
	for _, f := range m {
		if f.Field > 127 {
			return b, fmt.Errorf("match field %s: field number %d exceeds 127", f.Name(), f.Field)
		}
		if b, err = appendOXM(b, f); err != nil {
			return b, err
		}
	}
	n := len(b) - start
	if n > 0xffff {
		return b, fmt.Errorf("match %s: %d bytes exceed the 65535-byte limit", m, n)
	}
	b[start+2], b[start+3] = byte(n>>8), byte(n)
	return pad8(b, start), nil
}

func setLen16(b []byte, start int) { n := len(b) - start; b[start+2], b[start+3] = byte(n>>8), byte(n) }

func nxActionStart(b []byte, subtype uint16) []byte {
	b = append(b, 0xff, 0xff, 0, 0)
	b = put32(b, experimenterNicira)
	return put16(b, subtype)
}

func appendSetField(b []byte, f MatchField) ([]byte, error) {
	start := len(b)
	b = append(b, 0, byte(actSetField), 0, 0)
	b, err := appendOXM(b, f)
	if err != nil {
		return b, err
	}
	b = pad8(b, start)
	setLen16(b, start)
	return b, nil
}

func appendRange(b []byte, r FieldRange) []byte {
	b = put32(b, nxmHeader(r.Field))
	return put16(b, r.Ofs)
}

// appendAction appends one action in OpenFlow 1.3 (plus Nicira) wire form.
func appendAction(b []byte, a Action) ([]byte, error) {
	switch a := a.(type) {
	case Output:
		b = append(b, 0, byte(actOutput), 0, 16)
		b = put32(b, a.Port)
		ml := uint16(0)
		if a.Port == 0xfffffffd { // OFPP_CONTROLLER
			ml = maxLenNoBuff
		}
		b = put16(b, ml)
		return append(b, 0, 0, 0, 0, 0, 0), nil
	case OutputReg, RegLoad, RegMove, Resubmit:
		return appendNXAction(b, a), nil
	case PushVLAN:
		return append(b, 0, byte(actPushVLAN), 0, 8, 0x81, 0x00, 0, 0), nil
	case PopVLAN:
		return append(b, 0, byte(actPopVLAN), 0, 8, 0, 0, 0, 0), nil
	case SetVLANVID:
		return appendSetField(b, MatchField{Class: ClassOpenFlowBasic, Field: oxmVLANVID, Value: u16(VLANPresent | a.VID&0x0fff)})
	case SetTunnelID:
		return appendSetField(b, MatchTunnelID(a.ID))
	case SetTunnelDst:
		ip := a.IP.To4()
		if ip == nil {
			return b, fmt.Errorf("action %s: tun_dst %q is not an IPv4 address", a, a.IP)
		}
		return appendSetField(b, MatchField{Class: ClassNXM1, Field: nxmTunIPv4Dst, Value: ip})
	case SetIPv4Dst:
		ip := a.IP.To4()
		if ip == nil {
			return b, fmt.Errorf("action %s: ip_dst %q is not an IPv4 address", a, a.IP)
		}
		return appendSetField(b, MatchField{Class: ClassOpenFlowBasic, Field: oxmIPv4Dst, Value: ip})
	case SetEthDst:
		if len(a.MAC) != 6 {
			return b, fmt.Errorf("action %s: eth_dst %q is not a 48-bit MAC address", a, a.MAC)
		}
		return appendSetField(b, MatchEthDst(a.MAC))
	case Group:
		b = append(b, 0, byte(actGroup), 0, 8)
		return put32(b, a.ID), nil
	case Learn:
		return appendLearn(b, a)
	case CheckPktLarger:
		return appendCheckPktLarger(b, a)
	case RawAction:
		if len(a.Bytes) < 8 || len(a.Bytes)%8 != 0 {
			return b, fmt.Errorf("action %s: raw action of %d bytes is not a multiple of 8", a, len(a.Bytes))
		}
		return append(b, a.Bytes...), nil
	case nil:
		return b, fmt.Errorf("nil action")
	}
	return b, fmt.Errorf("action %s (%T) has no OpenFlow encoding", a, a)
}

// appendNXAction appends output_reg, reg_load, reg_move or resubmit.
func appendNXAction(b []byte, a Action) []byte {
	start := len(b)
	switch a := a.(type) {
	case OutputReg:
		b = nxActionStart(b, nxastOutputReg)
		b = put16(b, ofsNBits(a.Src))
		b = put32(b, nxmHeader(a.Src.Field))
		b = put16(b, maxLenNoBuff)
		b = append(b, 0, 0, 0, 0, 0, 0)
	case RegLoad:
		b = nxActionStart(b, nxastRegLoad)
		b = put16(b, ofsNBits(a.Dst))
		b = put32(b, nxmHeader(a.Dst.Field))
		b = put64(b, a.Value)
	case RegMove:
		b = nxActionStart(b, nxastRegMove)
		b = put16(b, a.Src.Width())
		b = put16(b, a.Src.Ofs)
		b = put16(b, a.Dst.Ofs)
		b = put32(b, nxmHeader(a.Src.Field))
		b = put32(b, nxmHeader(a.Dst.Field))
	case Resubmit:
		b = nxActionStart(b, nxastResubmitTable)
		b = put16(b, nxResubmitInPort)
		b = append(b, a.Table, 0, 0, 0)
	}
	b = pad8(b, start)
	setLen16(b, start)
	return b
}

func appendLearn(b []byte, a Learn) ([]byte, error) {
	start := len(b)
	sub, flags := nxastLearn, uint16(0)
	if a.learn2() {
		sub = nxastLearn2
		if a.ResultDst.Field.Bytes != 0 {
			flags |= learnFlagWriteResult
		}
	}
	b = nxActionStart(b, sub)
	b = put16(b, a.IdleTimeout)
	b = put16(b, a.HardTimeout)
	b = put16(b, a.Priority)
	b = put64(b, a.Cookie)
	b = put16(b, flags)
	b = append(b, a.Table, 0)
	b = put16(b, 0) // fin_idle_timeout
	b = put16(b, 0) // fin_hard_timeout
	if a.learn2() {
		b = put32(b, a.Limit)
		b = put16(b, a.ResultDst.Ofs)
		b = put16(b, 0)
		if flags&learnFlagWriteResult != 0 {
			b = put32(b, nxmHeader(a.ResultDst.Field))
		}
	}
	b, err := appendLearnSpecs(b, a)
	if err != nil {
		return b, err
	}
	b = pad8(b, start)
	if len(b)-start > 0xffff {
		return b, fmt.Errorf("action %s: %d bytes exceed the action length limit", a, len(b)-start)
	}
	setLen16(b, start)
	return b, nil
}

// appendLearnSpecs appends a learn action's flow_mod_specs.
func appendLearnSpecs(b []byte, a Learn) ([]byte, error) {
	for _, s := range a.Specs {
		switch s := s.(type) {
		case LearnMatchField:
			b = put16(b, s.Dst.Width())
			b = appendRange(b, s.Src)
			b = appendRange(b, s.Dst)
		case LearnMatchValue:
			b = put16(b, learnSrcImmediate|s.Dst.Width())
			b = appendImmediate(b, s.Value, s.Dst.Width())
			b = appendRange(b, s.Dst)
		case LearnLoadField:
			b = put16(b, learnDstLoad|s.Dst.Width())
			b = appendRange(b, s.Src)
			b = appendRange(b, s.Dst)
		case LearnLoadValue:
			b = put16(b, learnSrcImmediate|learnDstLoad|s.Dst.Width())
			b = appendImmediate(b, s.Value, s.Dst.Width())
			b = appendRange(b, s.Dst)
		case LearnOutputField:
			b = put16(b, learnDstOutput|s.Src.Width())
			b = appendRange(b, s.Src)
		default:
			return b, fmt.Errorf("action %s: learn spec %T has no OpenFlow encoding", a, s)
		}
	}
	return b, nil
}

// appendActions appends a list of actions.
func appendActions(b []byte, as []Action) ([]byte, error) {
	var err error
	for _, a := range as {
		if b, err = appendAction(b, a); err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendInstructions appends the flow's meter, apply-actions and goto-table
// instructions, in the order OpenFlow 1.3 executes them.
func appendInstructions(b []byte, f *Flow) ([]byte, error) {
	if f.Meter != 0 {
		b = put32(append(b, 0, byte(instMeter), 0, 8), f.Meter)
	}
	if len(f.Actions) > 0 {
		start := len(b)
		b = append(b, 0, byte(instApplyActions), 0, 0, 0, 0, 0, 0)
		var err error
		if b, err = appendActions(b, f.Actions); err != nil {
			return b, err
		}
		if len(b)-start > 0xffff {
			return b, fmt.Errorf("actions of %d bytes exceed the instruction length limit", len(b)-start)
		}
		setLen16(b, start)
	}
	if f.Goto != 0 {
		b = append(b, 0, byte(instGotoTable), 0, 8, f.Goto, 0, 0, 0)
	}
	return b, nil
}

// appendFlowMod appends a complete OFPT_FLOW_MOD for f, written byte by byte.
func appendFlowMod(b []byte, xid uint32, f *Flow, cmd uint8) ([]byte, error) {
	start := len(b)
	b = appendHeader(b, typeFlowMod, xid)
	b = put64(b, f.Cookie)
	b = put64(b, 0) // cookie_mask: only for modify/delete by cookie
	b = append(b, f.Table, cmd)
	b = put16(b, f.IdleTimeout)
	b = put16(b, f.HardTimeout)
	b = put16(b, f.Priority)
	b = put32(b, bufferNone)
	b = put32(b, PortAny)
	b = put32(b, groupAny)
	b = append(b, 0, 0, 0, 0) // flags, pad
	var err error
	if b, err = appendMatch(b, f.Match); err != nil {
		return b[:start], err
	}
	if cmd != flowDelete && cmd != flowDeleteStrict {
		if b, err = appendInstructions(b, f); err != nil {
			return b[:start], err
		}
	}
	if len(b)-start > 0xffff {
		return b[:start], fmt.Errorf("flow mod of %d bytes exceeds the 65535-byte message limit", len(b)-start)
	}
	return finishMessage(b, start), nil
}
