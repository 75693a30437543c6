package ofapp

import (
	"fmt"
	"sync/atomic"

	"github.com/contiv/libOpenflow/common"
	of13 "github.com/contiv/libOpenflow/openflow13"
	"github.com/contiv/libOpenflow/util"
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

	nxastRegMove         uint16 = 6
	nxastRegLoad         uint16 = 7
	nxastResubmitTable   uint16 = 14
	nxastOutputReg       uint16 = 15
	nxastLearn           uint16 = 16
	nxastLearn2          uint16 = 45
	learnFlagWriteResult uint16 = 1 << 2 // NX_LEARN_F_WRITE_RESULT
	nxResubmitInPort     uint16 = 0xfff8 // OFPP_IN_PORT in 16-bit port space
	instGotoTable        uint16 = 1
	instApplyActions     uint16 = 4
	oxmMatchType         uint16 = 1 // OFPMT_OXM
	learnSrcImmediate    uint16 = 1 << 13
	learnDstLoad         uint16 = 1 << 11
	learnDstOutput       uint16 = 2 << 11
	learnDstMask         uint16 = 3 << 11
	learnNBitsMask       uint16 = 0x3ff
	oxmExperimenterClas  uint16 = 0xffff
)

// nxmHeader returns the 32-bit NXM/OXM header of a field (without mask).
func nxmHeader(f Field) uint32 {
	return uint32(f.Class)<<16 | uint32(f.Field)<<9 | uint32(f.Bytes)
}

// ofsNBits packs an NXM sub-field as Nicira actions carry it.
func ofsNBits(r FieldRange) uint16 { return r.Ofs<<6 | (r.Width() - 1) }

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

// maxMessage is the largest OpenFlow message: its length field has 16 bits.
const maxMessage = 0xffff

// appendMarshal appends what m encodes itself to.
func appendMarshal(b []byte, m util.Message) ([]byte, error) {
	data, err := m.MarshalBinary()
	if err != nil {
		return b, fmt.Errorf("encode %T: %w", m, err)
	}
	return append(b, data...), nil
}

// appendDeleteByCookie appends a non-strict OFPFC_DELETE of every flow in
// table (OFPTT_ALL = 0xff for all tables) whose cookie matches under mask.
func appendDeleteByCookie(b []byte, xid uint32, table uint8, cookie, mask uint64) []byte {
	fm := of13.NewFlowMod()
	fm.Header = ofHeader(typeFlowMod, xid)
	fm.Cookie, fm.CookieMask, fm.TableId, fm.Command, fm.Priority = cookie, mask, table, flowDelete, 0
	b, _ = appendMarshal(b, fm)
	return b
}

// appendGroupMod appends an OFPT_GROUP_MOD, encoded by libOpenflow.
func appendGroupMod(b []byte, xid uint32, g *GroupEntry, cmd uint16) ([]byte, error) {
	gm, err := ofGroupMod(xid, g, cmd)
	if err != nil {
		return b, err
	}
	n := 16
	for i := range gm.Buckets {
		n += int(gm.Buckets[i].Len())
	}
	if n > maxMessage {
		return b, fmt.Errorf("group mod of %d bytes exceeds the 65535-byte message limit", n)
	}
	return appendMarshal(b, gm)
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

// ofHeader is an OpenFlow 1.3 header with our xid (libOpenflow's
// constructors draw xids from a global counter; the session owns its own).
func ofHeader(typ uint8, xid uint32) common.Header {
	return common.Header{Version: Version13, Type: typ, Length: headerLen, Xid: xid}
}

func appendBundleCtrl(b []byte, xid, bundleID uint32, typ, flags uint16) []byte {
	m := of13.NewBundleControl(&of13.BundleControl{BundleID: bundleID, Type: typ, Flags: flags})
	m.Header.Xid = xid
	b, _ = appendMarshal(b, m)
	return b
}

// bundleAddTemplate is a bundle-add head libOpenflow encoded, for one
// bundle and flags; only the xid differs between the messages of a bundle.
type bundleAddTemplate struct {
	bundleID uint32
	flags    uint16
	head     []byte
}

// lastBundleAdd caches the head of the bundle being filled: encoding it per
// message through libOpenflow costs 5 allocations a flow, which more than
// doubled BenchmarkInstallVsOvsOfctl's bytes per flow.
var lastBundleAdd atomic.Pointer[bundleAddTemplate]

// appendBundleAddStart appends the head of a bundle-add message; the inner
// message follows and finishMessage patches the length.
func appendBundleAddStart(b []byte, xid, bundleID uint32, flags uint16) []byte {
	t := lastBundleAdd.Load()
	if t == nil || t.bundleID != bundleID || t.flags != flags {
		m := of13.NewBundleAdd(&of13.BundleAdd{BundleID: bundleID, Flags: flags, Message: &wireBytes{}})
		head, _ := m.MarshalBinary()
		t = &bundleAddTemplate{bundleID: bundleID, flags: flags, head: head}
		lastBundleAdd.Store(t)
	}
	start := len(b)
	b = append(b, t.head...)
	be.PutUint32(b[start+4:], xid)
	return b
}

// bundleAddHead is the size of a bundle-add message before the inner message.
const bundleAddHead = 24

// appendHello appends a HELLO whose version bitmap offers OpenFlow 1.3 only.
func appendHello(b []byte, xid uint32) []byte {
	vb := common.NewHelloElemVersionBitmap()
	vb.Bitmaps[0] = 1 << Version13 // libOpenflow offers 1.0 too; vtep speaks 1.3 only
	h := &common.Hello{Header: ofHeader(typeHello, xid), Elements: []common.HelloElem{vb}}
	b, _ = appendMarshal(b, h)
	return b
}

// appendEmpty appends a message that is only a header (barrier, echo and
// features requests).
func appendEmpty(b []byte, typ uint8, xid uint32) []byte {
	h := ofHeader(typ, xid)
	b, _ = appendMarshal(b, &h)
	return b
}

func appendSetConfig(b []byte, xid uint32, missSendLen uint16) []byte {
	c := of13.NewSetConfig()
	c.Header.Xid = xid
	c.Flags = of13.C_FRAG_NORMAL
	c.MissSendLen = missSendLen
	b, _ = appendMarshal(b, c)
	return b
}

// appendError appends an OFPT_ERROR carrying at most 64 bytes of data.
func appendError(b []byte, xid uint32, typ, code uint16, data []byte) []byte {
	if len(data) > 64 {
		data = data[:64]
	}
	e := of13.NewErrorMsg()
	e.Header = ofHeader(typeError, xid)
	e.Type, e.Code = typ, code
	e.Data.Write(data)
	e.Header.Length = e.Len()
	b, _ = appendMarshal(b, e)
	return b
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

// appendMultipartRequest appends an OFPT_MULTIPART_REQUEST of type typ with
// body (nil: empty).
func appendMultipartRequest(b []byte, xid uint32, typ uint16, body util.Message) []byte {
	if body == nil {
		body = &wireBytes{}
	}
	m := &of13.MultipartRequest{Header: ofHeader(typeMultipartReq, xid), Type: typ, Body: body}
	b, _ = appendMarshal(b, m)
	return b
}

// flowStatsRequest is the body of a flow stats request for one table (0xff:
// all) and a cookie under mask.
func flowStatsRequest(table uint8, cookie, mask uint64) *of13.FlowStatsRequest {
	r := of13.NewFlowStatsRequest()
	r.TableId, r.Cookie, r.CookieMask = table, cookie, mask
	return r
}
