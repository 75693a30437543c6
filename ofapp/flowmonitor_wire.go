package ofapp

import "strconv"

// ONF's flow monitor extension for OpenFlow 1.3 (ONFST_FLOW_MONITOR, as OVS
// implements it: include/openflow/openflow-1.3.h, lib/ofp-monitor.c). A
// controller asks once; the switch answers with the flows that match now
// and then reports every flow added, modified or deleted, for as long as
// the connection lasts.
//
//	request: MULTIPART_REQUEST type 0xffff (experimenter), ONF 0x4f4e4600,
//	         exp_type 1870, then onf_flow_monitor_request (16 bytes: id,
//	         flags, match_len, out_port, table_id, 3 zeros) and an ofp_match
//	replies: MULTIPART_REPLY type 0xffff, ONF, 1870, then updates: the
//	         initial flows under the request's xid, later changes under
//	         xid 0, each update nx_flow_update_full (24 bytes: length,
//	         event, reason, priority, idle and hard timeouts, match_len,
//	         table, pad, cookie), an ofp_match and, unless deleted, the
//	         flow's instructions; or nx_flow_update_abbrev (8 bytes)
//	pause:   EXPERIMENTER ONF exp_type 1871 (paused: the switch's buffer for
//	         this connection filled, updates stop), 1872 (resumed: the
//	         updates missed were sent as adds and modifies, deletes lost)

const (
	mpExperimenter       uint16 = 0xffff
	onfFlowMonitor       uint32 = 1870
	onfFlowMonitorPaused uint32 = 1871
	onfFlowMonitorResume uint32 = 1872

	fmInitial = 1 << 0
	fmAdd     = 1 << 1
	fmDelete  = 1 << 2
	fmModify  = 1 << 3
	fmActions = 1 << 4

	flowUpdateFullLen   = 24
	flowUpdateAbbrevLen = 8
	portAny             = 0xffffffff
)

// FlowEvent is what happened to a monitored flow.
type FlowEvent uint16

// Flow monitor events (NXFME_*), and the pause and resume of the updates.
const (
	FlowAdded    FlowEvent = 0
	FlowDeleted  FlowEvent = 1
	FlowModified FlowEvent = 2
	FlowAbbrev   FlowEvent = 3 // the requester's own change, reported by xid
	// MonitorPaused: the switch stopped sending updates (its buffer for the
	// connection filled). MonitorResumed: it sent the adds and modifies
	// missed since; deletes in between are lost.
	MonitorPaused  FlowEvent = 0xfff0
	MonitorResumed FlowEvent = 0xfff1
)

var flowEventNames = map[FlowEvent]string{FlowAdded: "added", FlowDeleted: "deleted", FlowModified: "modified",
	FlowAbbrev: "abbrev", MonitorPaused: "paused", MonitorResumed: "resumed"}

// String names the event.
func (e FlowEvent) String() string {
	if n, ok := flowEventNames[e]; ok {
		return n
	}
	return "event-" + strconv.Itoa(int(e))
}

// FlowUpdate is one report of a flow monitor. Flow carries the flow's table,
// priority, timeouts, cookie, match and (except for deletes) actions;
// Reason is the OFPRR_* of a delete. Abbrev updates carry only Xid.
type FlowUpdate struct {
	Event  FlowEvent
	Reason uint16
	Xid    uint32
	Flow   Flow
}

// appendFlowMonitorRequest appends an ONFST_FLOW_MONITOR request for every
// flow of one table (0xff: all), with their actions, the flows there now
// included.
func appendFlowMonitorRequest(b []byte, xid, id uint32, table uint8) []byte {
	start := len(b)
	b = appendHeader(b, typeMultipartReq, xid)
	b = be.AppendUint16(b, mpExperimenter)
	b = append(b, 0, 0, 0, 0, 0, 0) // flags, pad
	b = be.AppendUint32(b, experimenterONF)
	b = be.AppendUint32(b, onfFlowMonitor)
	b = be.AppendUint32(b, id)
	b = be.AppendUint16(b, fmInitial|fmAdd|fmDelete|fmModify|fmActions)
	b = be.AppendUint16(b, 4) // match_len: the empty match's unpadded length
	b = be.AppendUint32(b, portAny)
	b = append(b, table, 0, 0, 0)
	b = append(b, 0, byte(oxmMatchType), 0, 4, 0, 0, 0, 0) // empty OXM match, padded
	return finishMessage(b, start)
}

// decodeFlowMonitorReply decodes a MULTIPART_REPLY of a flow monitor
// (header included) and appends its updates; ok is false when msg is
// another multipart reply.
func decodeFlowMonitorReply(msg []byte, out []FlowUpdate) (_ []FlowUpdate, ok bool, err error) {
	if len(msg) < 24 || be.Uint16(msg[8:]) != mpExperimenter ||
		be.Uint32(msg[16:]) != experimenterONF || be.Uint32(msg[20:]) != onfFlowMonitor {
		return out, false, nil
	}
	b := msg[24:]
	for len(b) > 0 {
		if len(b) < 4 {
			return out, true, protoErr("flow update: %d trailing bytes", len(b))
		}
		n, ev := int(be.Uint16(b)), FlowEvent(be.Uint16(b[2:]))
		if n > len(b) || n%8 != 0 || n < flowUpdateAbbrevLen {
			return out, true, protoErr("flow update: length %d invalid (%d bytes left)", n, len(b))
		}
		u, err := decodeFlowUpdate(b[:n], ev)
		if err != nil {
			return out, true, err
		}
		out = append(out, u)
		b = b[n:]
	}
	return out, true, nil
}

// decodeFlowUpdate decodes one update of length len(e).
func decodeFlowUpdate(e []byte, ev FlowEvent) (FlowUpdate, error) {
	switch ev {
	case FlowAbbrev:
		if len(e) != flowUpdateAbbrevLen {
			return FlowUpdate{}, protoErr("abbreviated flow update of %d bytes, want 8", len(e))
		}
		return FlowUpdate{Event: ev, Xid: be.Uint32(e[4:])}, nil
	case FlowAdded, FlowDeleted, FlowModified:
	default:
		return FlowUpdate{}, protoErr("flow update: unknown event %d", ev)
	}
	if len(e) < flowUpdateFullLen {
		return FlowUpdate{}, protoErr("flow update of %d bytes, need 24", len(e))
	}
	u := FlowUpdate{Event: ev, Reason: be.Uint16(e[4:]), Flow: Flow{
		Priority: be.Uint16(e[6:]), IdleTimeout: be.Uint16(e[8:]), HardTimeout: be.Uint16(e[10:]),
		Table: e[14], Cookie: be.Uint64(e[16:]),
	}}
	m, ml, err := decodeMatch(e[flowUpdateFullLen:])
	if err != nil {
		return FlowUpdate{}, err
	}
	u.Flow.Match = m
	if err := decodeInstructions(e[flowUpdateFullLen+ml:], &u.Flow); err != nil {
		return FlowUpdate{}, err
	}
	return u, nil
}

// decodeMonitorPause reads an EXPERIMENTER message; ok is false when it is
// not the flow monitor's pause or resume.
func decodeMonitorPause(msg []byte) (FlowEvent, bool) {
	if len(msg) < 16 || be.Uint32(msg[8:]) != experimenterONF {
		return 0, false
	}
	switch be.Uint32(msg[12:]) {
	case onfFlowMonitorPaused:
		return MonitorPaused, true
	case onfFlowMonitorResume:
		return MonitorResumed, true
	}
	return 0, false
}
