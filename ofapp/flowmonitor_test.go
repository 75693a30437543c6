package ofapp

import (
	"testing"
)

// appendFlowUpdate encodes one nx_flow_update_full as OVS sends it in an
// ONF flow monitor reply: header, OXM match, instructions (none for a
// delete).
func appendFlowUpdate(b []byte, ev FlowEvent, f *Flow) []byte {
	start := len(b)
	b = put16(b, 0)
	b = put16(b, uint16(ev))
	b = put16(b, 0)
	b = put16(b, f.Priority)
	b = put16(b, f.IdleTimeout)
	b = put16(b, f.HardTimeout)
	b = put16(b, 0)
	b = append(b, f.Table, 0)
	b = put64(b, f.Cookie)
	b = appendMatchWire(b, f.Match)
	if ev != FlowDeleted {
		b = appendInstructionsWire(b, f)
	}
	be.PutUint16(b[start:], uint16(len(b)-start))
	return b
}

// monitorReply frames updates as a flow monitor's multipart reply.
func monitorReply(xid uint32, updates ...[]byte) []byte {
	b := appendHeader(nil, typeMultipartReply, xid)
	b = put16(b, mpExperimenter)
	b = append(b, 0, 0, 0, 0, 0, 0)
	b = put32(b, experimenterONF)
	b = put32(b, onfFlowMonitor)
	for _, u := range updates {
		b = append(b, u...)
	}
	return finishMessage(b, 0)
}

func TestFlowMonitorRequestLayout(t *testing.T) {
	b := appendFlowMonitorRequest(nil, 7, 9, 30)
	want := []byte{
		4, 18, 0, 48, 0, 0, 0, 7, // OF1.3 MULTIPART_REQUEST, 48 bytes, xid 7
		0xff, 0xff, 0, 0, 0, 0, 0, 0, // experimenter multipart, no flags
		0x4f, 0x4e, 0x46, 0, 0, 0, 0x07, 0x4e, // ONF, ONFST_FLOW_MONITOR (1870)
		0, 0, 0, 9, 0, 31, 0, 4, // id 9; initial, add, delete, modify, actions; match_len 4
		0xff, 0xff, 0xff, 0xff, 30, 0, 0, 0, // out_port any, table 30
		0, 1, 0, 4, 0, 0, 0, 0, // empty OXM match
	}
	if string(b) != string(want) {
		t.Errorf("request\n got % x\nwant % x", b, want)
	}
}

func TestFlowMonitorReplyRoundTrip(t *testing.T) {
	var updates [][]byte
	var want []FlowUpdate
	for i, f := range SampleFlows() {
		ev := []FlowEvent{FlowAdded, FlowModified, FlowDeleted}[i%3]
		updates = append(updates, appendFlowUpdate(nil, ev, &f))
		if ev == FlowDeleted {
			f.Actions, f.Goto = nil, 0
		}
		want = append(want, FlowUpdate{Event: ev, Flow: f})
	}
	abbrev := []byte{0, 8, 0, 3, 0, 0, 0, 42}
	updates = append(updates, abbrev)
	want = append(want, FlowUpdate{Event: FlowAbbrev, Xid: 42})
	got, ok, err := decodeFlowMonitorReply(monitorReply(0, updates...), nil)
	if err != nil || !ok {
		t.Fatalf("decode: ok %v, %v", ok, err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d updates, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Event != w.Event || g.Xid != w.Xid || g.Flow.String() != w.Flow.String() {
			t.Errorf("update %d:\n got %s %s\nwant %s %s", i, g.Event, g.Flow.String(), w.Event, w.Flow.String())
		}
	}
}

func TestFlowMonitorReplyMalformed(t *testing.T) {
	f := SampleFlows()[0]
	good := appendFlowUpdate(nil, FlowAdded, &f)
	for name, msg := range map[string][]byte{
		"length not a multiple of 8": monitorReply(0, append([]byte{0, 12, 0, 3}, make([]byte, 8)...)),
		"length past the end":        monitorReply(0, []byte{0, 64, 0, 0, 0, 0, 0, 0}),
		"unknown event":              monitorReply(0, []byte{0, 8, 0, 9, 0, 0, 0, 0}),
		"abbrev too long":            monitorReply(0, append([]byte{0, 16, 0, 3}, make([]byte, 12)...)),
		"full too short":             monitorReply(0, []byte{0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
		"trailing bytes":             monitorReply(0, good, []byte{0, 8}),
		"bad match":                  monitorReply(0, append(append([]byte(nil), good[:24]...), 0, 9, 0, 4, 0, 0, 0, 0)),
	} {
		if _, ok, err := decodeFlowMonitorReply(msg, nil); !ok || err == nil {
			t.Errorf("%s: ok %v, err %v; want a flow monitor reply that fails", name, ok, err)
		}
	}
	// another multipart reply is not a monitor's
	other := appendHeader(nil, typeMultipartReply, 3)
	other = append(other, 0, 1, 0, 0, 0, 0, 0, 0)
	if _, ok, err := decodeFlowMonitorReply(finishMessage(other, 0), nil); ok || err != nil {
		t.Errorf("flow stats reply taken for a monitor's: ok %v, %v", ok, err)
	}
}

func TestMonitorPause(t *testing.T) {
	msg := func(exp, typ uint32) []byte {
		b := appendHeader(nil, typeExperimenter, 0)
		b = put32(b, exp)
		b = put32(b, typ)
		return finishMessage(b, 0)
	}
	for _, tc := range []struct {
		msg  []byte
		ev   FlowEvent
		isOK bool
	}{
		{msg(experimenterONF, onfFlowMonitorPaused), MonitorPaused, true},
		{msg(experimenterONF, onfFlowMonitorResume), MonitorResumed, true},
		{msg(experimenterONF, 2300), 0, false},
		{msg(experimenterNicira, onfFlowMonitorPaused), 0, false},
		{msg(experimenterONF, 1)[:12], 0, false},
	} {
		if ev, ok := decodeMonitorPause(tc.msg); ev != tc.ev || ok != tc.isOK {
			t.Errorf("% x: %s %v, want %s %v", tc.msg, ev, ok, tc.ev, tc.isOK)
		}
	}
	if MonitorPaused.String() != "paused" || FlowEvent(77).String() != "event-77" {
		t.Error("FlowEvent.String")
	}
}

// FuzzFlowMonitorReply: any bytes after a monitor reply's header decode or
// fail with an error, never panic; what decodes re-encodes to the same
// header fields and match (instructions the model keeps raw need not
// re-encode byte for byte).
func FuzzFlowMonitorReply(f *testing.F) {
	for i, fl := range SampleFlows() {
		f.Add(monitorReply(0, appendFlowUpdate(nil, []FlowEvent{FlowAdded, FlowModified, FlowDeleted}[i%3], &fl))[24:])
	}
	f.Add([]byte{0, 8, 0, 3, 0, 0, 0, 42})
	f.Add([]byte{0, 24, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, body []byte) {
		us, ok, err := decodeFlowMonitorReply(monitorReply(0, body), nil)
		if !ok {
			t.Fatal("not taken for a monitor reply")
		}
		if err != nil {
			return
		}
		for _, u := range us {
			if u.Event == FlowAbbrev {
				continue
			}
			head := u.Flow
			head.Actions, head.Goto = nil, 0
			again, _, err := decodeFlowMonitorReply(monitorReply(0, appendFlowUpdate(nil, FlowDeleted, &head)), nil)
			if err != nil || len(again) != 1 || again[0].Flow.String() != head.String() {
				t.Fatalf("%s does not re-encode: %v %+v", head.String(), err, again)
			}
		}
	})
}
