package ofapp

import (
	"bufio"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"
)

// handshake exchanges HELLO (refusing peers without OpenFlow 1.3) and
// FEATURES with the peer, before the reader and writer goroutines start.
// The handshake must end by deadline (counted from accept for accepted
// connections, so a peer that sends nothing is dropped in time).
func (s *Switch) handshake(br *bufio.Reader, deadline time.Time) error {
	s.conn.SetDeadline(deadline)
	defer s.conn.SetDeadline(time.Time{})

	if _, err := s.conn.Write(appendHello(nil, s.nextXID())); err != nil {
		return fmt.Errorf("handshake: send hello: %w", err)
	}
	buf := make([]byte, 0, handshakeBufSize)
	msg, err := readMessage(br, buf)
	if err != nil {
		return fmt.Errorf("handshake: read hello: %w", err)
	}
	h := parseHeader(msg)
	if h.Type != typeHello {
		return protoErr("handshake: first message is %s, want HELLO", MessageTypeName(h.Type))
	}
	if !helloSupports13(msg) {
		s.log.WithFields(logrus.Fields{"peer_version": h.Version}).Warn("refusing switch without OpenFlow 1.3")
		text := []byte(fmt.Sprintf("vtep speaks OpenFlow 1.3 (0x04) only; peer offered 0x%02x", h.Version))
		e := appendError(nil, h.Xid, ErrTypeHelloFailed, codeHelloIncompatible, nil)
		e = append(e, text...)
		finishMessage(e, 0)
		e[0] = min(h.Version, Version13) // the peer must be able to read it
		s.conn.Write(e)
		return &OFError{Type: ErrTypeHelloFailed, Code: codeHelloIncompatible, Data: text}
	}

	xid := s.nextXID()
	if _, err := s.conn.Write(appendEmpty(nil, typeFeaturesRequest, xid)); err != nil {
		return fmt.Errorf("handshake: send features request: %w", err)
	}
	for {
		msg, err = readMessage(br, msg)
		if err != nil {
			return fmt.Errorf("handshake: read features reply: %w", err)
		}
		h = parseHeader(msg)
		if h.Version != Version13 {
			return protoErr("handshake: %s has version 0x%02x after negotiating 0x04", MessageTypeName(h.Type), h.Version)
		}
		switch h.Type {
		case typeFeaturesReply:
			f, err := decodeFeatures(msg)
			if err != nil {
				return fmt.Errorf("handshake: %w", err)
			}
			s.features = f
			return nil
		case typeEchoRequest:
			r := appendHeader(nil, typeEchoReply, h.Xid)
			r = finishMessage(append(r, msg[headerLen:]...), 0)
			if _, err := s.conn.Write(r); err != nil {
				return fmt.Errorf("handshake: echo reply: %w", err)
			}
		case typeError:
			oe, err := decodeError(msg)
			if err != nil {
				return fmt.Errorf("handshake: %w", err)
			}
			return fmt.Errorf("handshake: switch refused features request: %w", oe)
		}
	}
}

// helloSupports13 reads a peer's HELLO: with a version bitmap, bit 4 must be
// set; without one, the header version must be at least 1.3.
func helloSupports13(msg []byte) bool {
	p := msg[headerLen:]
	for len(p) >= 4 {
		typ, n := be.Uint16(p), int(be.Uint16(p[2:]))
		if n < 4 || n > len(p) {
			break
		}
		if typ == 1 { // OFPHET_VERSIONBITMAP
			bm := p[4:n]
			return len(bm) >= 4 && be.Uint32(bm)&(1<<Version13) != 0
		}
		adv := (n + 7) / 8 * 8
		if adv > len(p) {
			break
		}
		p = p[adv:]
	}
	return msg[0] >= Version13
}
