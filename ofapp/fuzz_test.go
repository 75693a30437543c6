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
	b, _ = appendMatch(b, f.Match)
	b, _ = appendInstructions(b, f)
	be.PutUint16(b[start:], uint16(len(b)-start))
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
	pin, _ = appendMatch(pin, Match{MatchInPort(2)})
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
	return map[string][]byte{
		"flow-stats":  multipartReply(1, mpFlow, 0, fs),
		"echo":        appendEmpty(nil, typeEchoRequest, 5),
		"port-status": finishMessage(append(appendHeader(nil, typePortStatus, 0), port...), 0),
		"packet-in":   finishMessage(append(appendHeader(nil, typePacketIn, 0), pin...), 0),
		"error":       appendError(nil, 1, ErrTypeBadAction, 9, appendEmpty(nil, typeFlowMod, 1)),
		"group-desc":  multipartReply(1, mpGroupDesc, 0, gd),
		"bundle":      ctrl,
		"unknown":     appendEmpty(nil, 77, 3),
		"two-parts":   append(multipartReply(1, mpFlow, mpReplyMore, fs[:be.Uint16(fs)]), multipartReply(1, mpFlow, 0, fs[be.Uint16(fs):])...),
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
			decodeActions(b)
			decodeMatch(b)
			decodePacketIn(b)
			decodePortStatus(b)
			decodeError(b)
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
