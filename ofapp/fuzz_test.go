package ofapp

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	of13 "github.com/contiv/libOpenflow/openflow13"
	"github.com/sirupsen/logrus"
)

// appendFlowStatsEntry encodes a flow as a switch reports it in a flow stats reply.
func appendFlowStatsEntry(b []byte, f *Flow) []byte {
	start := len(b)
	b = append(b, 0, 0, f.Table, 0)
	b = put32(b, 3)
	b = put32(b, 500)
	b = put16(b, f.Priority)
	b = put16(b, f.IdleTimeout)
	b = put16(b, f.HardTimeout)
	b = append(b, 0, 0, 0, 0, 0, 0)
	b = put64(b, f.Cookie)
	b = put64(b, 7)
	b = put64(b, 700)
	b = appendMatchWire(b, f.Match)
	b = appendInstructionsWire(b, f)
	be.PutUint16(b[start:], uint16(len(b)-start))
	return b
}

// appendMatchWire appends a match as libOpenflow encodes it.
func appendMatchWire(b []byte, m Match) []byte {
	om, err := ofMatch(m)
	if err != nil {
		panic(err)
	}
	b, _ = appendMarshal(b, &om)
	return b
}

// appendInstructionsWire appends a flow's instructions as libOpenflow encodes them.
func appendInstructionsWire(b []byte, f *Flow) []byte {
	fm, err := ofFlowMod(0, f, flowAdd)
	if err != nil {
		panic(err)
	}
	for _, in := range fm.Instructions {
		b, _ = appendMarshal(b, in)
	}
	return b
}

// multipartReply wraps a body in a MULTIPART_REPLY.
func multipartReply(xid uint32, typ, flags uint16, body []byte) []byte {
	b := appendHeader(nil, typeMultipartReply, xid)
	b = put16(b, typ)
	b = put16(b, flags)
	b = append(b, 0, 0, 0, 0)
	return finishMessage(append(b, body...), 0)
}

// featuresReply is a FEATURES_REPLY as OVS sends it.
func featuresReply(xid uint32, dpid uint64) []byte {
	sf := of13.NewFeaturesReply()
	sf.Header.Xid = xid
	be.PutUint64(sf.DPID, dpid)
	sf.Buffers, sf.NumTables, sf.Capabilities = 0, 254, 0x4f
	b, err := sf.MarshalBinary()
	if err != nil {
		panic(err)
	}
	return b
}

// portDescBody is a port desc reply body with one port per name.
func portDescBody(names ...string) []byte {
	var b []byte
	for i, n := range names {
		p := of13.NewPhyPort()
		p.PortNo = uint32(i + 1)
		copy(p.Name, n)
		p.HWAddr = net.HardwareAddr{2, 0, 0, 0, 0, byte(i)}
		p.CurrSpeed = 10000000
		pb, err := p.MarshalBinary()
		if err != nil {
			panic(err)
		}
		b = append(b, pb...)
	}
	return b
}

// groupStatsBody is a group stats reply body for group id with no buckets.
func groupStatsBody(id uint32) []byte {
	b := put16(nil, 40)
	b = append(b, 0, 0)
	b = put32(b, id)
	b = put32(b, 1) // ref count
	b = append(b, 0, 0, 0, 0)
	b = put64(b, 7)
	b = put64(b, 700)
	b = put32(b, 3)
	return put32(b, 500)
}

// rawActionFlows are flows with actions outside the model, which decode as
// RawAction: output_reg2 (libOpenflow would misread it as output_reg), a
// learn with flags, a note.
func rawActionFlows() []Flow {
	outputReg2 := append([]byte{0xff, 0xff, 0, 24, 0, 0, 0x23, 0x20, 0, 32, 0x0f, 0xff}, make([]byte, 12)...)
	learnFlags := []byte{0xff, 0xff, 0, 32, 0, 0, 0x23, 0x20, 0, 16, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 5, 0, 0, 0, 0, 0}
	note := []byte{0xff, 0xff, 0, 16, 0, 0, 0x23, 0x20, 0, 8, 'h', 'i', 0, 0, 0, 0}
	return []Flow{{Table: 1, Priority: 2, Actions: []Action{RawAction{Bytes: outputReg2}, RawAction{Bytes: learnFlags}, RawAction{Bytes: note}}}}
}

// seedMessages returns realistic switch-to-controller message streams.
func seedMessages() map[string][]byte {
	var fs []byte
	for _, f := range sampleFlows() {
		fs = appendFlowStatsEntry(fs, &f)
	}
	port := make([]byte, 8+portLen)
	port[0] = 0
	copy(port[8+16:], "vtep-p1")
	port[8+3] = 7
	pin := put32(nil, bufferNone)
	pin = append(pin, 0, 64, 0, 10)
	pin = put64(pin, 0x3)
	pin = appendMatchWire(pin, Match{MatchInPort(2)})
	pin = append(pin, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	var gd []byte
	for _, g := range sampleGroups() {
		m, _ := appendGroupMod(nil, 1, &g, groupAdd)
		body := m[8:]
		e := put16(nil, uint16(len(body)))
		e = append(e, body[2], 0)
		e = append(e, body[4:]...)
		gd = append(gd, e...)
	}
	ctrl := appendBundleCtrl(nil, 1, 1, bundleCommitReply, 3)
	var rawFlows []byte
	for _, f := range rawActionFlows() {
		rawFlows = appendFlowStatsEntry(rawFlows, &f)
	}
	metered := Flow{Table: 50, Priority: 100, Cookie: 9, Meter: 10, Match: Match{MatchInPort(1)}, Actions: []Action{Output{Port: 2}}}
	meterCfg := append(meterConfigBody(MeterEntry{ID: 10, PPS: 100, Burst: 10}), meterConfigBody(MeterEntry{ID: 11, PPS: 5, Burst: 10})...)
	return map[string][]byte{
		"meter-config":       multipartReply(1, mpMeterConfig, 0, meterCfg),
		"meter-stats":        multipartReply(1, mpMeter, 0, meterStatsBody(10, 1000, 700)),
		"flow-stats-meter":   multipartReply(1, mpFlow, 0, appendFlowStatsEntry(nil, &metered)),
		"features-reply":     featuresReply(2, 0xa1),
		"port-desc":          multipartReply(1, mpPortDesc, 0, portDescBody("vtep-p1", "br0")),
		"group-stats":        multipartReply(1, mpGroup, 0, groupStatsBody(1)),
		"experimenter-error": appendError(nil, 1, ErrTypeExperimenter, 2308, append(put32(nil, experimenterONF), appendEmpty(nil, typeFlowMod, 1)...)),
		"raw-actions":        multipartReply(1, mpFlow, 0, rawFlows),
		"hello":              appendHello(nil, 1),
		"flow-stats":         multipartReply(1, mpFlow, 0, fs),
		"echo":               appendEmpty(nil, typeEchoRequest, 5),
		"port-status":        finishMessage(append(appendHeader(nil, typePortStatus, 0), port...), 0),
		"packet-in":          finishMessage(append(appendHeader(nil, typePacketIn, 0), pin...), 0),
		"error":              appendError(nil, 1, ErrTypeBadAction, 9, appendEmpty(nil, typeFlowMod, 1)),
		"group-desc":         multipartReply(1, mpGroupDesc, 0, gd),
		"bundle":             ctrl,
		"unknown":            appendEmpty(nil, 77, 3),
		"two-parts":          append(multipartReply(1, mpFlow, mpReplyMore, fs[:be.Uint16(fs)]), multipartReply(1, mpFlow, 0, fs[be.Uint16(fs):])...),
	}
}

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzReceive from seedMessages")

// TestFuzzSeedsCommitted checks that the committed seed corpus
// (testdata/fuzz/FuzzReceive, which go test -fuzz starts from) holds exactly
// the messages seedMessages builds; -update-seeds rewrites it.
func TestFuzzSeedsCommitted(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzReceive")
	seeds := seedMessages()
	for name, b := range seeds {
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		path := filepath.Join(dir, name)
		if *updateSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("seed %s: %v (go test ./ofapp -run TestFuzzSeedsCommitted -update-seeds writes it)", name, err)
			continue
		}
		if string(got) != want {
			t.Errorf("seed %s differs from seedMessages; rewrite with -update-seeds", name)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := seeds[e.Name()]; !ok {
			t.Errorf("seed file %s is not one of seedMessages", e.Name())
		}
	}
}

// FuzzReceive feeds arbitrary bytes to a session's receive path (framing,
// dispatch, reply correlation with a pending flow stats request) and to every
// decoder. Nothing may panic; anything malformed ends in an error.
func FuzzReceive(f *testing.F) {
	for _, b := range seedMessages() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		wd := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("hung on %q", data)) })
		defer wd.Stop()
		a, peer := net.Pipe()
		go io.Copy(io.Discard, peer)
		defer peer.Close()
		log := logrus.New()
		log.SetOutput(io.Discard)
		cfg := Config{Logger: log, WriteTimeout: time.Second}.withDefaults()
		s := &Switch{cfg: &cfg, conn: a, log: logrus.NewEntry(log), out: make(chan []byte, 4), ctrl: make(chan []byte, 16),
			pending: map[uint32]*request{}, closed: make(chan struct{}), done: make(chan struct{})}
		go s.writer()
		var got []FlowStats
		r := s.register(1, func(h header, msg []byte) (bool, error) {
			if h.Type != typeMultipartReply || len(msg) < 16 {
				return true, protoErr("not a multipart reply")
			}
			var err error
			got, err = decodeFlowStats(msg[16:], got)
			return be.Uint16(msg[10:])&mpReplyMore == 0, err
		})
		s.reader(bufio.NewReader(bytes.NewReader(data)))
		<-r.done
		if s.Err() == nil {
			t.Fatal("reader returned with the session still up")
		}
		for _, fs := range got {
			_ = fs.String()
		}
		// Every decoder on the raw bytes and on the body after a header.
		for _, b := range [][]byte{data, tail(data, headerLen), tail(data, 16)} {
			decodeFlowStats(b, nil)
			decodeGroupDescs(b, nil)
			decodeGroupStats(b, map[uint32]GroupStats{})
			decodeMeterConfigs(b, map[uint32]*MeterStats{})
			decodeMeterStats(b, map[uint32]*MeterStats{})
			decodeActions(b)
			decodeMatch(b)
			decodePacketIn(b)
			decodePortStatus(b)
			decodeError(b)
			decodeFeatures(b)
			decodePort(b)
			var fl Flow
			decodeInstructions(b, &fl)
			if len(b) >= headerLen {
				helloSupports13(b)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := s.Barrier(ctx); err == nil {
			t.Fatal("Barrier on an ended session succeeded")
		}
	})
}

func tail(b []byte, n int) []byte {
	if len(b) < n {
		return nil
	}
	return b[n:]
}

// FuzzActions feeds arbitrary bytes to the action decoder, which hands
// actions to libOpenflow. Nothing may panic; what decodes must encode again
// and decode to the same actions.
func FuzzActions(f *testing.F) {
	for _, fl := range append(sampleFlows(), rawActionFlows()...) {
		b, err := appendActions(nil, fl.Actions)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, g := range sampleGroups() {
		for _, bk := range g.Buckets {
			b, _ := appendActions(nil, bk.Actions)
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		as, err := decodeActions(b)
		if err != nil {
			return
		}
		want := ActionsString(as)
		enc, err := appendActions(nil, as)
		if err != nil {
			return // e.g. a learn spec whose range does not fit its field
		}
		again, err := decodeActions(enc)
		if err != nil {
			t.Fatalf("%s: re-encoded as %x, which does not decode: %v", want, enc, err)
		}
		if got := ActionsString(again); got != want {
			t.Fatalf("decoded %s, re-encoded and decoded %s", want, got)
		}
	})
}

// TestFlowStatsDecodeRoundTrip decodes the sample flows from the form a
// switch reports them in and compares them with the originals.
func TestFlowStatsDecodeRoundTrip(t *testing.T) {
	want := sampleFlows()
	var body []byte
	for _, f := range want {
		body = appendFlowStatsEntry(body, &f)
	}
	got, err := decodeFlowStats(body, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("decoded %d flows, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Key() != want[i].Key() || got[i].Flow.String() != want[i].String() {
			t.Errorf("flow %d:\n got %s\nwant %s", i, got[i].Flow, want[i])
		}
		if got[i].Packets != 7 || got[i].Bytes != 700 || got[i].Duration != 3*time.Second+500 {
			t.Errorf("flow %d counters: %d packets, %d bytes, %s", i, got[i].Packets, got[i].Bytes, got[i].Duration)
		}
	}
}
