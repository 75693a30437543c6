package ofapp

import (
	"io"
	"log"
	"net"
	"os"
	"testing"

	"github.com/contiv/libOpenflow/common"
	of13 "github.com/contiv/libOpenflow/openflow13"
)

// These tests pin the libOpenflow defects that keep parts of ofapp's
// decoding in ofapp (ofapp/doc.go names each place). Each fails once the
// defect is fixed, so that the hand-written code can go.

// panics reports whether fn panicked.
func panics(fn func()) (did bool) {
	defer func() { did = recover() != nil }()
	fn()
	return false
}

// TestLibOpenflowEthDstDecodesEmpty: libOpenflow decodes an OXM eth_dst (and
// eth_src) into a nil HardwareAddr (it copies into a slice it never made),
// so a flow's dl_dst match or set_field:...->eth_dst read back through its
// FlowStats or ActionSetField loses the address.
func TestLibOpenflowEthDstDecodesEmpty(t *testing.T) {
	mac := net.HardwareAddr{0x52, 0x54, 0, 0x12, 0x34, 0x56}
	want := Flow{Table: 3, Priority: 9, Match: Match{MatchEthDst(mac), MatchEthSrc(mac)}, Actions: []Action{SetEthDst{MAC: mac}, Output{Port: 1}}}
	entry := appendFlowStatsEntry(nil, &want)

	fs := of13.NewFlowStats()
	if err := fs.UnmarshalBinary(entry); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs.Match.Fields {
		switch v := f.Value.(type) {
		case *of13.EthDstField:
			if len(v.EthDst) != 0 {
				t.Errorf("eth_dst decoded as %s: defect fixed", v.EthDst)
			}
		case *of13.EthSrcField:
			if len(v.EthSrc) != 0 {
				t.Errorf("eth_src decoded as %s: defect fixed", v.EthSrc)
			}
		}
	}
	sf := fs.Instructions[0].(*of13.InstrActions).Actions[0].(*of13.ActionSetField)
	if v := sf.Field.Value.(*of13.EthDstField); len(v.EthDst) != 0 {
		t.Errorf("set_field eth_dst decoded as %s: defect fixed", v.EthDst)
	}

	// ofapp's own decoding of the same entry keeps the addresses.
	got, err := decodeFlowStats(entry, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Flow.String() != want.String() {
		t.Errorf("got %s, want %s", got[0].Flow, want)
	}
}

// TestLibOpenflowMultipartReplyPanics: MultipartReply.UnmarshalBinary has no
// type for group desc, group stats or port desc bodies and calls a method on
// a nil interface; its match decoder panics (log.Panicf) on an NXM_OF class
// field. So ofapp frames multipart replies itself.
func TestLibOpenflowMultipartReplyPanics(t *testing.T) {
	var gd []byte
	for _, g := range sampleGroups() {
		m, _ := appendGroupMod(nil, 1, &g, groupAdd)
		body := m[8:]
		e := put16(nil, uint16(len(body)))
		e = append(e, body[2], 0)
		gd = append(gd, append(e, body[4:]...)...)
	}
	for _, typ := range []uint16{mpGroupDesc, mpGroup, mpPortDesc} {
		msg := multipartReply(1, typ, 0, gd)
		if !panics(func() { new(of13.MultipartReply).UnmarshalBinary(msg) }) {
			t.Errorf("multipart type %d: no panic: defect fixed", typ)
		}
	}
	nxm0 := Match{{Class: ClassNXM0, Field: 1, Value: make([]byte, 6)}}
	log.SetOutput(io.Discard) // libOpenflow logs through the standard logger before it panics
	defer log.SetOutput(os.Stderr)
	if !panics(func() { new(of13.Match).UnmarshalBinary(appendMatchWire(nil, nxm0)) }) {
		t.Error("NXM_OF match field: no panic: defect fixed")
	}
	if _, _, err := decodeMatch(appendMatchWire(nil, nxm0)); err != nil {
		t.Errorf("ofapp's match decoder: %v", err)
	}
}

// TestLibOpenflowStatsAreOpenFlow10: libOpenflow's PortStats, TableStats
// and PortStatsRequest have OpenFlow 1.0 layouts (16-bit port numbers, no
// durations, a table name), not the OpenFlow 1.3 ones OVS sends: an
// ofp_port_stats is 112 bytes and an ofp_table_stats 24.
func TestLibOpenflowStatsAreOpenFlow10(t *testing.T) {
	if n := new(of13.PortStats).Len(); n == 112 {
		t.Error("PortStats has the OpenFlow 1.3 length: defect fixed")
	}
	if n := of13.NewTableStats().Len(); n == 24 {
		t.Error("TableStats has the OpenFlow 1.3 length: defect fixed")
	}
	r := of13.NewPortStatsRequest()
	b, _ := r.MarshalBinary()
	if be.Uint16(b) != 0 || len(b) != 8 {
		t.Fatalf("unexpected PortStatsRequest encoding %x", b)
	}
	// OFPP_ANY is 0xffffffff in OpenFlow 1.3; PortNo is a uint16, so it cannot be encoded.
	var p any = r.PortNo
	if _, ok := p.(uint16); !ok {
		t.Error("PortStatsRequest.PortNo is no longer 16 bits: defect fixed")
	}
}

// TestLibOpenflowHelloPanics: common.Hello reads every byte after a
// version bitmap element's header as bitmaps, whatever the element's
// length, and panics when they are not a multiple of 4; ofapp's
// helloSupports13 reads the element by its length.
func TestLibOpenflowHelloPanics(t *testing.T) {
	msg := appendHeader(nil, typeHello, 1)
	msg = append(msg, 0, 1, 0, 6, 0, 0x10) // version bitmap element of 6 bytes
	msg = finishMessage(msg, 0)
	msg = msg[:len(msg):len(msg)]
	if !panics(func() { new(common.Hello).UnmarshalBinary(msg) }) {
		t.Error("no panic: defect fixed")
	}
	if panics(func() { helloSupports13(msg) }) {
		t.Error("helloSupports13 panicked")
	}
}
