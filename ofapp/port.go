package ofapp

import (
	"fmt"
	"net"
)

// Port is an OpenFlow port as a switch describes it (ofp_port).
type Port struct {
	No        uint32
	HWAddr    net.HardwareAddr
	Name      string
	Config    uint32 // OFPPC_* bits
	State     uint32 // OFPPS_* bits
	CurrSpeed uint32 // kbps
	MaxSpeed  uint32 // kbps
}

// LinkDown reports the OFPPS_LINK_DOWN state bit.
func (p Port) LinkDown() bool { return p.State&1 != 0 }

// PortReason says why a switch sent PORT_STATUS.
type PortReason uint8

// Port status reasons (ofp_port_reason).
const (
	PortAdd    PortReason = 0
	PortDelete PortReason = 1
	PortModify PortReason = 2
)

func (r PortReason) String() string {
	switch r {
	case PortAdd:
		return "add"
	case PortDelete:
		return "delete"
	case PortModify:
		return "modify"
	}
	return fmt.Sprintf("reason%d", uint8(r))
}

func (r PortReason) eventType() EventType {
	switch r {
	case PortAdd:
		return PortAdded
	case PortDelete:
		return PortDeleted
	}
	return PortModified
}

// portStatus is a decoded PORT_STATUS body.
type portStatus struct {
	Reason PortReason
	Port   Port
}

// PacketIn is a packet a switch sent to the controller.
type PacketIn struct {
	BufferID uint32
	TotalLen uint16
	Reason   uint8
	Table    uint8
	Cookie   uint64
	Match    Match
	Data     []byte
}

func decodePacketIn(body []byte) (PacketIn, error) {
	if len(body) < 16 {
		return PacketIn{}, protoErr("packet in: body of %d bytes, need 16", len(body))
	}
	pi := PacketIn{BufferID: be.Uint32(body), TotalLen: be.Uint16(body[4:]), Reason: body[6], Table: body[7], Cookie: be.Uint64(body[8:])}
	m, n, err := decodeMatch(body[16:])
	if err != nil {
		return PacketIn{}, fmt.Errorf("packet in: %w", err)
	}
	pi.Match = m
	rest := body[16+n:]
	if len(rest) < 2 {
		return PacketIn{}, protoErr("packet in: no room for padding after the match")
	}
	pi.Data = append([]byte(nil), rest[2:]...)
	return pi, nil
}
