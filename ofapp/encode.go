package ofapp

import (
	"fmt"
)

// Flow-mod commands (ofp_flow_mod_command).
const (
	flowAdd          uint8 = 0
	flowModify       uint8 = 1
	flowModifyStrict uint8 = 2
	flowDelete       uint8 = 3
	flowDeleteStrict uint8 = 4
)

// Group-mod commands (ofp_group_mod_command).
const (
	groupAdd    uint16 = 0
	groupModify uint16 = 1
	groupDelete uint16 = 2
)

// Special numbers.
const (
	tableAll     uint8  = 0xff       // OFPTT_ALL
	bufferNone   uint32 = 0xffffffff // OFP_NO_BUFFER
	groupAny     uint32 = 0xffffffff // OFPG_ANY
	groupAll     uint32 = 0xfffffffc // OFPG_ALL
	maxLenNoBuff uint16 = 0xffff     // OFPCML_NO_BUFFER
)

// Action type numbers (ofp_action_type) and Nicira subtypes.
const (
	actOutput       uint16 = 0
	actPushVLAN     uint16 = 17
	actPopVLAN      uint16 = 18
	actGroup        uint16 = 22
	actSetField     uint16 = 25
	actExperimenter uint16 = 0xffff

	nxastRegMove        uint16 = 6
	nxastRegLoad        uint16 = 7
	nxastResubmitTable  uint16 = 14
	nxastOutputReg      uint16 = 15
	nxastLearn          uint16 = 16
	nxResubmitInPort    uint16 = 0xfff8 // OFPP_IN_PORT in 16-bit port space
	instGotoTable       uint16 = 1
	instApplyActions    uint16 = 4
	oxmMatchType        uint16 = 1 // OFPMT_OXM
	learnSrcImmediate   uint16 = 1 << 13
	learnDstLoad        uint16 = 1 << 11
	learnDstOutput      uint16 = 2 << 11
	learnDstMask        uint16 = 3 << 11
	learnNBitsMask      uint16 = 0x3ff
	oxmExperimenterClas uint16 = 0xffff
)

// nxmHeader returns the 32-bit NXM/OXM header of a field (without mask).
func nxmHeader(f Field) uint32 {
	return uint32(f.Class)<<16 | uint32(f.Field)<<9 | uint32(f.Bytes)
}

// ofsNBits packs an NXM sub-field as Nicira actions carry it.
func ofsNBits(r FieldRange) uint16 { return r.Ofs<<6 | (r.Width() - 1) }

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
	start := len(b)
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
	case OutputReg:
		b = nxActionStart(b, nxastOutputReg)
		b = put16(b, ofsNBits(a.Src))
		b = put32(b, nxmHeader(a.Src.Field))
		b = put16(b, maxLenNoBuff)
		b = append(b, 0, 0, 0, 0, 0, 0)
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
	case Group:
		b = append(b, 0, byte(actGroup), 0, 8)
		return put32(b, a.ID), nil
	case Learn:
		return appendLearn(b, a)
	case RawAction:
		if len(a.Bytes) < 8 || len(a.Bytes)%8 != 0 {
			return b, fmt.Errorf("action %s: raw action of %d bytes is not a multiple of 8", a, len(a.Bytes))
		}
		return append(b, a.Bytes...), nil
	case nil:
		return b, fmt.Errorf("nil action")
	default:
		return b, fmt.Errorf("action %s (%T) has no OpenFlow encoding", a, a)
	}
	b = pad8(b, start)
	setLen16(b, start)
	return b, nil
}

func appendLearn(b []byte, a Learn) ([]byte, error) {
	start := len(b)
	b = nxActionStart(b, nxastLearn)
	b = put16(b, a.IdleTimeout)
	b = put16(b, a.HardTimeout)
	b = put16(b, a.Priority)
	b = put64(b, a.Cookie)
	b = put16(b, 0) // flags
	b = append(b, a.Table, 0)
	b = put16(b, 0) // fin_idle_timeout
	b = put16(b, 0) // fin_hard_timeout
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
	b = pad8(b, start)
	if len(b)-start > 0xffff {
		return b, fmt.Errorf("action %s: %d bytes exceed the action length limit", a, len(b)-start)
	}
	setLen16(b, start)
	return b, nil
}

// appendImmediate appends a learn immediate: ceil(nbits/16) 16-bit words.
func appendImmediate(b []byte, v uint64, nbits uint16) []byte {
	words := int(nbits+15) / 16
	for i := words - 1; i >= 0; i-- {
		if i >= 4 {
			b = append(b, 0, 0)
			continue
		}
		b = put16(b, uint16(v>>(16*uint(i))))
	}
	return b
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

// appendInstructions appends the flow's apply-actions and goto-table instructions.
func appendInstructions(b []byte, f *Flow) ([]byte, error) {
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

// appendFlowMod appends a complete OFPT_FLOW_MOD for f.
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

// appendDeleteByCookie appends a non-strict OFPFC_DELETE of every flow in
// table (OFPTT_ALL = 0xff for all tables) whose cookie matches under mask.
func appendDeleteByCookie(b []byte, xid uint32, table uint8, cookie, mask uint64) []byte {
	start := len(b)
	b = appendHeader(b, typeFlowMod, xid)
	b = put64(b, cookie)
	b = put64(b, mask)
	b = append(b, table, flowDelete, 0, 0, 0, 0, 0, 0)
	b = put32(b, bufferNone)
	b = put32(b, PortAny)
	b = put32(b, groupAny)
	b = append(b, 0, 0, 0, 0)
	b, _ = appendMatch(b, nil)
	return finishMessage(b, start)
}

// appendGroupMod appends an OFPT_GROUP_MOD.
func appendGroupMod(b []byte, xid uint32, g *GroupEntry, cmd uint16) ([]byte, error) {
	start := len(b)
	b = appendHeader(b, typeGroupMod, xid)
	b = put16(b, cmd)
	b = append(b, uint8(g.Type), 0)
	b = put32(b, g.ID)
	if cmd != groupDelete {
		for _, bk := range g.Buckets {
			bs := len(b)
			b = append(b, 0, 0, 0, 0) // len, weight
			b = put32(b, PortAny)
			b = put32(b, groupAny)
			b = append(b, 0, 0, 0, 0)
			var err error
			if b, err = appendActions(b, bk.Actions); err != nil {
				return b[:start], err
			}
			n := len(b) - bs
			b[bs], b[bs+1] = byte(n>>8), byte(n)
		}
	}
	if len(b)-start > 0xffff {
		return b[:start], fmt.Errorf("group mod of %d bytes exceeds the 65535-byte message limit", len(b)-start)
	}
	return finishMessage(b, start), nil
}

// Bundle control types and flags of the ONF bundle extension (EXT-230).
const (
	bundleOpenRequest    uint16 = 0
	bundleOpenReply      uint16 = 1
	bundleCloseRequest   uint16 = 2
	bundleCloseReply     uint16 = 3
	bundleCommitRequest  uint16 = 4
	bundleCommitReply    uint16 = 5
	bundleDiscardRequest uint16 = 6
	bundleDiscardReply   uint16 = 7

	bundleFlagAtomic  uint16 = 1
	bundleFlagOrdered uint16 = 2

	expTypeBundleCtrl uint32 = 2300
	expTypeBundleAdd  uint32 = 2301
)

func appendBundleCtrl(b []byte, xid, bundleID uint32, typ, flags uint16) []byte {
	start := len(b)
	b = appendHeader(b, typeExperimenter, xid)
	b = put32(b, experimenterONF)
	b = put32(b, expTypeBundleCtrl)
	b = put32(b, bundleID)
	b = put16(b, typ)
	b = put16(b, flags)
	return finishMessage(b, start)
}

// appendBundleAddStart appends the head of a bundle-add message; the inner
// message follows and finishBundleAdd patches the length.
func appendBundleAddStart(b []byte, xid, bundleID uint32, flags uint16) []byte {
	b = appendHeader(b, typeExperimenter, xid)
	b = put32(b, experimenterONF)
	b = put32(b, expTypeBundleAdd)
	b = put32(b, bundleID)
	b = put16(b, 0)
	return put16(b, flags)
}

// bundleAddHead is the size of a bundle-add message before the inner message.
const bundleAddHead = 24

func appendHello(b []byte, xid uint32) []byte {
	start := len(b)
	b = appendHeader(b, typeHello, xid)
	b = put16(b, 1) // OFPHET_VERSIONBITMAP
	b = put16(b, 8)
	b = put32(b, 1<<Version13)
	return finishMessage(b, start)
}

func appendEmpty(b []byte, typ uint8, xid uint32) []byte {
	start := len(b)
	b = appendHeader(b, typ, xid)
	return finishMessage(b, start)
}

func appendSetConfig(b []byte, xid uint32, missSendLen uint16) []byte {
	start := len(b)
	b = appendHeader(b, typeSetConfig, xid)
	b = put16(b, 0) // OFPC_FRAG_NORMAL
	b = put16(b, missSendLen)
	return finishMessage(b, start)
}

func appendError(b []byte, xid uint32, typ, code uint16, data []byte) []byte {
	start := len(b)
	b = appendHeader(b, typeError, xid)
	b = put16(b, typ)
	b = put16(b, code)
	if len(data) > 64 {
		data = data[:64]
	}
	b = append(b, data...)
	return finishMessage(b, start)
}

// Multipart types (ofp_multipart_type).
const (
	mpFlow      uint16 = 1
	mpTable     uint16 = 3
	mpPortStats uint16 = 4
	mpGroup     uint16 = 6
	mpGroupDesc uint16 = 7
	mpPortDesc  uint16 = 13

	mpReplyMore uint16 = 1
)

func appendMultipartHead(b []byte, xid uint32, typ uint16) []byte {
	b = appendHeader(b, typeMultipartReq, xid)
	b = put16(b, typ)
	return append(b, 0, 0, 0, 0, 0, 0)
}

func appendFlowStatsRequest(b []byte, xid uint32, table uint8, cookie, mask uint64) []byte {
	start := len(b)
	b = appendMultipartHead(b, xid, mpFlow)
	b = append(b, table, 0, 0, 0)
	b = put32(b, PortAny)
	b = put32(b, groupAny)
	b = append(b, 0, 0, 0, 0)
	b = put64(b, cookie)
	b = put64(b, mask)
	b, _ = appendMatch(b, nil)
	return finishMessage(b, start)
}
