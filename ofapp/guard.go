package ofapp

import (
	"sync/atomic"

	"github.com/sirupsen/logrus"
)

// decodePanics counts panics recovered while decoding what a switch sent.
var decodePanics atomic.Uint64

// DecodePanics returns how many times, in any session, decoding a message a
// switch sent panicked (libOpenflow's decoders trust length fields). Each
// such panic became a ProtocolError: the decode failed, and a session that
// was reading the message closed.
func DecodePanics() uint64 { return decodePanics.Load() }

// guard runs a libOpenflow decoder, turning a panic into a ProtocolError
// naming what was being decoded.
func guard(what string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			decodePanics.Add(1)
			err = protoErr("%s: decoder panicked on malformed input: %v", what, r)
		}
	}()
	return fn()
}

// dispatchGuarded is dispatch for the reader goroutine: a panic while
// handling the message ends the session with a ProtocolError, logged and
// counted, instead of the process.
func (s *Switch) dispatchGuarded(msg []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			decodePanics.Add(1)
			h := parseHeader(msg)
			err = protoErr("message %s xid %d of %d bytes: handling it panicked: %v", MessageTypeName(h.Type), h.Xid, len(msg), r)
			s.log.WithFields(logrus.Fields{"type": MessageTypeName(h.Type), "xid": h.Xid, "length": len(msg), "panic": r}).Error("decoding a message from the switch panicked")
		}
	}()
	return s.dispatch(msg)
}
