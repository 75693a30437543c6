package ofapp

import (
	"fmt"
	"net"
	"testing"

	of13 "github.com/contiv/libOpenflow/openflow13"
)

// benchFlows are flows shaped like BenchmarkInstallVsOvsOfctl's (and like
// most of the pipeline's): two match fields, two register loads.
func benchFlows(n int) []Flow {
	fs := make([]Flow, n)
	for i := range fs {
		mac := net.HardwareAddr{0x02, 0, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
		fs[i] = Flow{Table: uint8(30 + i%2), Priority: 100, Cookie: 0x900,
			Match:   Match{MatchReg(0, uint32(i%4096), 0xffffff), MatchEthDst(mac)},
			Actions: []Action{RegLoad{Dst: Whole(FieldReg(2)), Value: uint64(i)}, RegLoad{Dst: Bits(FieldReg(3), 0, 16), Value: uint64(i % 100)}}}
	}
	return fs
}

// BenchmarkEncodeFlowMod encodes one bundle-add FLOW_MOD per op, through
// libOpenflow's types and by hand, without a switch: the encoding cost
// BenchmarkInstallVsOvsOfctl includes.
//
//	go test -run '^$' -bench EncodeFlowMod -benchmem ./ofapp/
func BenchmarkEncodeFlowMod(b *testing.B) {
	fs := benchFlows(1024)
	for _, c := range []struct {
		name string
		enc  func([]byte, uint32, *Flow, uint8) ([]byte, error)
	}{{"libOpenflow", appendFlowModLib}, {"hand", appendFlowMod}} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 1<<16)
			for i := 0; i < b.N; i++ {
				if len(buf) > 1<<15 {
					buf = buf[:0]
				}
				var err error
				buf = appendBundleAddStart(buf, uint32(i), 1, 3)
				if buf, err = c.enc(buf, uint32(i), &fs[i%len(fs)], flowAdd); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// ofActions converts an action list into an apply-actions instruction.
func ofApplyActions(as []Action) (*of13.InstrActions, error) {
	in := of13.NewInstrApplyActions()
	n := 8
	for _, a := range as {
		oa, err := ofAction(a)
		if err != nil {
			return nil, err
		}
		n += int(oa.Len())
		in.Actions = append(in.Actions, oa)
	}
	if n > 0xffff {
		return nil, fmt.Errorf("actions of %d bytes exceed the instruction length limit", n)
	}
	in.Length = uint16(n)
	return in, nil
}

// ofFlowMod builds the libOpenflow FLOW_MOD for f.
func ofFlowMod(xid uint32, f *Flow, cmd uint8) (*of13.FlowMod, error) {
	fm := &of13.FlowMod{
		Cookie: f.Cookie, TableId: f.Table, Command: cmd,
		IdleTimeout: f.IdleTimeout, HardTimeout: f.HardTimeout, Priority: f.Priority,
		BufferId: bufferNone, OutPort: of13.P_ANY, OutGroup: of13.OFPG_ANY,
	}
	fm.Header = ofHeader(typeFlowMod, xid)
	var err error
	if fm.Match, err = ofMatch(f.Match); err != nil {
		return nil, err
	}
	if cmd == flowDelete || cmd == flowDeleteStrict {
		return fm, nil
	}
	if f.Meter != 0 {
		fm.Instructions = append(fm.Instructions, of13.NewInstrMeter(f.Meter))
	}
	if len(f.Actions) > 0 {
		in, err := ofApplyActions(f.Actions)
		if err != nil {
			return nil, err
		}
		fm.Instructions = append(fm.Instructions, in)
	}
	if f.Goto != 0 {
		fm.Instructions = append(fm.Instructions, of13.NewInstrGotoTable(f.Goto))
	}
	return fm, nil
}

// flowModLen is the length of fm counted without libOpenflow's 16-bit sums,
// which wrap silently.
func flowModLen(fm *of13.FlowMod) int {
	n := 48 + int(fm.Match.Len())
	for _, in := range fm.Instructions {
		n += int(in.Len())
	}
	return n
}

// appendFlowModLib appends a complete OFPT_FLOW_MOD for f, encoded by libOpenflow.
func appendFlowModLib(b []byte, xid uint32, f *Flow, cmd uint8) ([]byte, error) {
	fm, err := ofFlowMod(xid, f, cmd)
	if err != nil {
		return b, err
	}
	if n := flowModLen(fm); n > maxMessage {
		return b, fmt.Errorf("flow mod of %d bytes exceeds the 65535-byte message limit", n)
	}
	return appendMarshal(b, fm)
}
