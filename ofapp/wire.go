package ofapp

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	of13 "github.com/contiv/libOpenflow/openflow13"
)

// Version13 is the OpenFlow 1.3 wire version, the only one vtep speaks.
const Version13 uint8 = of13.VERSION

// Message types used by the session (libOpenflow's ofp_type numbers).
const (
	typeHello           uint8 = of13.Type_Hello
	typeError           uint8 = of13.Type_Error
	typeEchoRequest     uint8 = of13.Type_EchoRequest
	typeEchoReply       uint8 = of13.Type_EchoReply
	typeExperimenter    uint8 = of13.Type_Experimenter
	typeFeaturesRequest uint8 = of13.Type_FeaturesRequest
	typeFeaturesReply   uint8 = of13.Type_FeaturesReply
	typeSetConfig       uint8 = of13.Type_SetConfig
	typePacketIn        uint8 = of13.Type_PacketIn
	typeFlowRemoved     uint8 = of13.Type_FlowRemoved
	typePortStatus      uint8 = of13.Type_PortStatus
	typeFlowMod         uint8 = of13.Type_FlowMod
	typeGroupMod        uint8 = of13.Type_GroupMod
	typeMultipartReq    uint8 = of13.Type_MultiPartRequest
	typeMultipartReply  uint8 = of13.Type_MultiPartReply
	typeBarrierRequest  uint8 = of13.Type_BarrierRequest
	typeBarrierReply    uint8 = of13.Type_BarrierReply
)

// headerLen is the size of ofp_header.
const headerLen = 8

// Experimenter IDs.
const (
	experimenterNicira uint32 = 0x00002320
	experimenterONF    uint32 = 0x4f4e4600
)

var typeNames = [...]string{
	"HELLO", "ERROR", "ECHO_REQUEST", "ECHO_REPLY", "EXPERIMENTER",
	"FEATURES_REQUEST", "FEATURES_REPLY", "GET_CONFIG_REQUEST", "GET_CONFIG_REPLY", "SET_CONFIG",
	"PACKET_IN", "FLOW_REMOVED", "PORT_STATUS", "PACKET_OUT", "FLOW_MOD", "GROUP_MOD", "PORT_MOD",
	"TABLE_MOD", "MULTIPART_REQUEST", "MULTIPART_REPLY", "BARRIER_REQUEST", "BARRIER_REPLY",
	"QUEUE_GET_CONFIG_REQUEST", "QUEUE_GET_CONFIG_REPLY", "ROLE_REQUEST", "ROLE_REPLY",
	"GET_ASYNC_REQUEST", "GET_ASYNC_REPLY", "SET_ASYNC", "METER_MOD",
}

// MessageTypeName returns the OFPT_* name of an OpenFlow 1.3 message type.
func MessageTypeName(t uint8) string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("TYPE_%d", t)
}

// header is a decoded ofp_header.
type header struct {
	Version uint8
	Type    uint8
	Length  uint16
	Xid     uint32
}

func parseHeader(b []byte) header {
	return header{Version: b[0], Type: b[1], Length: binary.BigEndian.Uint16(b[2:4]), Xid: binary.BigEndian.Uint32(b[4:8])}
}

// appendHeader appends an ofp_header whose length is patched by finish.
func appendHeader(b []byte, typ uint8, xid uint32) []byte {
	return append(b, Version13, typ, 0, 0, byte(xid>>24), byte(xid>>16), byte(xid>>8), byte(xid))
}

// finishMessage writes the length of the message starting at start.
func finishMessage(b []byte, start int) []byte {
	binary.BigEndian.PutUint16(b[start+2:], uint16(len(b)-start))
	return b
}

// ProtocolError reports a message that breaks OpenFlow framing or syntax.
type ProtocolError struct {
	Msg string
}

func (e *ProtocolError) Error() string { return "openflow protocol error: " + e.Msg }

func protoErr(format string, a ...any) error { return &ProtocolError{Msg: fmt.Sprintf(format, a...)} }

// readMessage reads one framed message into buf (grown as needed) and returns
// it. The returned slice is only valid until the next call with the same buf.
func readMessage(r *bufio.Reader, buf []byte) ([]byte, error) {
	if cap(buf) < headerLen {
		buf = make([]byte, 0, 4096)
	}
	buf = buf[:headerLen]
	if _, err := io.ReadFull(r, buf); err != nil {
		return buf, err
	}
	n := int(binary.BigEndian.Uint16(buf[2:4]))
	if n < headerLen {
		return buf, protoErr("message %s xid %d: length %d is shorter than the %d-byte header", MessageTypeName(buf[1]), binary.BigEndian.Uint32(buf[4:8]), n, headerLen)
	}
	if cap(buf) < n {
		nb := make([]byte, n, max(n, 2*cap(buf)))
		copy(nb, buf[:headerLen])
		buf = nb
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf[headerLen:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return buf, fmt.Errorf("message %s: length %d, body truncated: %w", MessageTypeName(buf[1]), n, err)
	}
	return buf, nil
}

// pad8 appends zero bytes until len(b)-start is a multiple of 8.
func pad8(b []byte, start int) []byte {
	for (len(b)-start)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

func put16(b []byte, v uint16) []byte { return append(b, byte(v>>8), byte(v)) }
func put32(b []byte, v uint32) []byte {
	return append(b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
func put64(b []byte, v uint64) []byte {
	return append(b, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
