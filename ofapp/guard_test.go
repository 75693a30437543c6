package ofapp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// TestReaderRecoversPanic: a panic while the reader handles a message (here
// in a reply handler) ends the session with a ProtocolError, a log line and
// a count, and leaves the process running.
func TestReaderRecoversPanic(t *testing.T) {
	a, peer := net.Pipe()
	go io.Copy(io.Discard, peer)
	defer peer.Close()
	log, hook := test.NewNullLogger()
	cfg := Config{Logger: log, WriteTimeout: time.Second}.withDefaults()
	s := &Switch{cfg: &cfg, conn: a, log: logrus.NewEntry(log), out: make(chan []byte, 4), ctrl: make(chan []byte, 4),
		pending: map[uint32]*request{}, closed: make(chan struct{}), done: make(chan struct{})}
	go s.writer()
	s.register(9, func(header, []byte) (bool, error) { panic("decoder bug") })
	before := DecodePanics()
	s.reader(bufio.NewReader(bytes.NewReader(appendEmpty(nil, typeBarrierReply, 9))))
	var pe *ProtocolError
	if err := s.Err(); !errors.As(err, &pe) {
		t.Fatalf("session ended with %v, want a ProtocolError", err)
	}
	if DecodePanics() != before+1 {
		t.Errorf("DecodePanics went from %d to %d", before, DecodePanics())
	}
	var logged bool
	for _, e := range hook.AllEntries() {
		logged = logged || (e.Level == logrus.ErrorLevel && e.Data["panic"] == "decoder bug")
	}
	if !logged {
		t.Error("no error log line names the panic")
	}
}

// TestGuardTurnsPanicIntoError: a libOpenflow decoder that panics (here on
// a truncated learn action) yields a ProtocolError.
func TestGuardTurnsPanicIntoError(t *testing.T) {
	learn := []byte{0xff, 0xff, 0, 40, 0, 0, 0x23, 0x20, 0, 16}
	learn = append(learn, make([]byte, 22)...)
	learn = append(learn, 0x20, 0x40, 0, 0, 0, 0, 0, 0) // match from an immediate of 64 bits, truncated
	before := DecodePanics()
	_, err := decodeActions(learn)
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("truncated learn spec: %v, want a ProtocolError", err)
	}
	if DecodePanics() != before+1 {
		t.Errorf("libOpenflow did not panic (DecodePanics %d -> %d); the guard was not exercised", before, DecodePanics())
	}
}
