package ofapp

import (
	"fmt"
	"strconv"
)

// NXAST_CHECK_PKT_LARGER (OVS 2.12): 24 bytes, the 10-byte Nicira header,
// pkt_len (16 bits), the result bit's offset (16), the result field's
// NXM header (32) and 6 bytes of padding.
const (
	nxastCheckPktLarger uint16 = 49
	checkPktLargerLen          = 24
)

// CheckPktLarger sets the one bit Dst to 1 if the packet is longer than Len
// bytes (its whole frame, Ethernet header included), to 0 otherwise
// (ovs-actions(7) check_pkt_larger). The userspace datapath supports it.
type CheckPktLarger struct {
	Len uint16
	Dst FieldRange
}

func (CheckPktLarger) isAction() {}

func (a CheckPktLarger) String() string { return string(a.appendText(nil)) }

func (a CheckPktLarger) appendText(b []byte) []byte {
	b = strconv.AppendUint(append(b, "check_pkt_larger("...), uint64(a.Len), 10)
	return a.Dst.appendText(append(b, ")->"...))
}

// validate checks that the result is one bit of a field.
func (a CheckPktLarger) validate() error {
	if err := a.Dst.Validate(); err != nil {
		return fmt.Errorf("%s: %w", a, err)
	}
	if a.Dst.Width() != 1 {
		return fmt.Errorf("%s: the result must be one bit, not %d", a, a.Dst.Width())
	}
	return nil
}

// appendCheckPktLarger appends the action in its wire form.
func appendCheckPktLarger(b []byte, a CheckPktLarger) ([]byte, error) {
	if err := a.validate(); err != nil {
		return b, err
	}
	start := len(b)
	b = nxActionStart(b, nxastCheckPktLarger)
	b = put16(b, a.Len)
	b = put16(b, a.Dst.Ofs)
	b = put32(b, nxmHeader(a.Dst.Field))
	b = pad8(b, start)
	setLen16(b, start)
	return b, nil
}

// isCheckPktLarger reports whether the action bytes are Nicira
// NXAST_CHECK_PKT_LARGER.
func isCheckPktLarger(b []byte) bool {
	return len(b) >= 16 && be.Uint16(b) == actExperimenter && be.Uint32(b[4:]) == experimenterNicira && be.Uint16(b[8:]) == nxastCheckPktLarger
}

// decodeCheckPktLarger decodes an NXAST_CHECK_PKT_LARGER action of exactly
// len(b) bytes. One the model cannot hold (an experimenter OXM result
// field, a bit beyond its field) stays raw.
func decodeCheckPktLarger(b []byte) (Action, error) {
	if len(b) != checkPktLargerLen {
		return nil, protoErr("check_pkt_larger action of %d bytes, want %d", len(b), checkPktLargerLen)
	}
	h := be.Uint32(b[14:])
	if h>>16 == 0xffff {
		return raw(b), nil
	}
	a := CheckPktLarger{Len: be.Uint16(b[10:]), Dst: Bits(fieldFromHeader(h), be.Uint16(b[12:]), 1)}
	if a.validate() != nil {
		return raw(b), nil
	}
	return a, nil
}
