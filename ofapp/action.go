package ofapp

import (
	"fmt"
	"net"
	"strconv"
)

// Reserved OpenFlow port numbers usable in Output.
const (
	PortInPort uint32 = 0xfffffff8 // OFPP_IN_PORT
	PortNormal uint32 = 0xfffffffa // OFPP_NORMAL
	PortFlood  uint32 = 0xfffffffb // OFPP_FLOOD
	PortLocal  uint32 = 0xfffffffe // OFPP_LOCAL
	PortAny    uint32 = 0xffffffff // OFPP_ANY
)

// Action is one action of a flow's apply-actions instruction or of a group
// bucket. Each concrete type prints itself in ovs-ofctl syntax, so a flow's
// String is the text `ovs-ofctl add-flow` accepts.
type Action interface {
	fmt.Stringer
	isAction()
}

// Output sends the packet to a port (a number or one of the Port* constants).
type Output struct{ Port uint32 }

// OutputReg sends the packet to the port number held in a field range.
type OutputReg struct{ Src FieldRange }

// PushVLAN pushes an 802.1Q header (TPID 0x8100).
type PushVLAN struct{}

// PopVLAN removes the outermost 802.1Q header.
type PopVLAN struct{}

// SetVLANVID sets the VLAN ID of the outermost 802.1Q header.
type SetVLANVID struct{ VID uint16 }

// SetTunnelID sets the tunnel ID (the VNI) of the packet's next encapsulation.
type SetTunnelID struct{ ID uint64 }

// SetTunnelDst sets the outer IPv4 destination of the packet's next encapsulation.
type SetTunnelDst struct{ IP net.IP }

// SetIPv4Dst rewrites the IPv4 destination address.
type SetIPv4Dst struct{ IP net.IP }

// SetEthDst rewrites the Ethernet destination address.
type SetEthDst struct{ MAC net.HardwareAddr }

// RegLoad loads an immediate value into a field range (Nicira reg_load).
type RegLoad struct {
	Dst   FieldRange
	Value uint64
}

// RegMove copies one field range into another of the same width (Nicira reg_move).
type RegMove struct {
	Src, Dst FieldRange
}

// Resubmit runs the packet through another table and then continues with the
// next action (Nicira resubmit(,table)): the "lookup, then act" step.
type Resubmit struct{ Table uint8 }

// Group sends the packet to an OpenFlow group.
type Group struct{ ID uint32 }

// Learn adds or refreshes a flow in another table from the current packet
// (Nicira learn). Cookie marks the flows it learns.
type Learn struct {
	Table       uint8
	Priority    uint16
	IdleTimeout uint16
	HardTimeout uint16
	Cookie      uint64
	// Limit, when not 0, makes the action add no new flow while the
	// table holds Limit flows with this Cookie (refreshing an existing
	// one still works). It needs NXAST_LEARN2 (OVS 2.8 and later).
	Limit uint32
	// ResultDst, when set (a single bit), receives 1 if the action added
	// or refreshed its flow and 0 if Limit stopped it (NXAST_LEARN2).
	ResultDst FieldRange
	Specs     []LearnSpec
}

// learn2 reports whether the action needs NXAST_LEARN2.
func (a Learn) learn2() bool { return a.Limit != 0 || a.ResultDst.Field.Bytes != 0 }

// LearnSpec is one part of a learned flow: a match on a field, or a load or
// output among its actions.
type LearnSpec interface {
	fmt.Stringer
	isLearnSpec()
}

// LearnMatchField makes the learned flow match Dst against the value Src has in
// the current packet (Dst=Src; when Src is the same range, it prints as just Dst).
type LearnMatchField struct{ Dst, Src FieldRange }

// LearnMatchValue makes the learned flow match Dst against a constant.
type LearnMatchValue struct {
	Dst   FieldRange
	Value uint64
}

// LearnLoadField makes the learned flow load the current packet's Src into Dst.
type LearnLoadField struct{ Src, Dst FieldRange }

// LearnLoadValue makes the learned flow load a constant into Dst.
type LearnLoadValue struct {
	Dst   FieldRange
	Value uint64
}

// LearnOutputField makes the learned flow output to the port Src holds now.
type LearnOutputField struct{ Src FieldRange }

func (Output) isAction()       {}
func (OutputReg) isAction()    {}
func (PushVLAN) isAction()     {}
func (PopVLAN) isAction()      {}
func (SetVLANVID) isAction()   {}
func (SetTunnelID) isAction()  {}
func (SetTunnelDst) isAction() {}
func (SetIPv4Dst) isAction()   {}
func (SetEthDst) isAction()    {}
func (RegLoad) isAction()      {}
func (RegMove) isAction()      {}
func (Resubmit) isAction()     {}
func (Group) isAction()        {}
func (Learn) isAction()        {}

func (LearnMatchField) isLearnSpec()  {}
func (LearnMatchValue) isLearnSpec()  {}
func (LearnLoadField) isLearnSpec()   {}
func (LearnLoadValue) isLearnSpec()   {}
func (LearnOutputField) isLearnSpec() {}

// PortString prints a port number as ovs-ofctl does (LOCAL, NORMAL, or the number).
func PortString(p uint32) string {
	switch p {
	case PortInPort:
		return "IN_PORT"
	case PortNormal:
		return "NORMAL"
	case PortFlood:
		return "FLOOD"
	case PortLocal:
		return "LOCAL"
	case PortAny:
		return "ANY"
	}
	return strconv.FormatUint(uint64(p), 10)
}

func (a Output) String() string { return string(a.appendText(nil)) }
func (a Output) appendText(b []byte) []byte {
	switch a.Port {
	case PortInPort:
		return append(b, "in_port"...)
	case PortNormal, PortLocal, PortFlood:
		return append(b, PortString(a.Port)...)
	}
	return strconv.AppendUint(append(b, "output:"...), uint64(a.Port), 10)
}
func (a OutputReg) String() string { return string(a.appendText(nil)) }
func (a OutputReg) appendText(b []byte) []byte {
	return a.Src.appendText(append(b, "output:"...))
}
func (PushVLAN) String() string             { return "push_vlan:0x8100" }
func (PushVLAN) appendText(b []byte) []byte { return append(b, "push_vlan:0x8100"...) }
func (PopVLAN) String() string              { return "pop_vlan" }
func (PopVLAN) appendText(b []byte) []byte  { return append(b, "pop_vlan"...) }
func (a SetVLANVID) String() string         { return string(a.appendText(nil)) }
func (a SetVLANVID) appendText(b []byte) []byte {
	b = strconv.AppendUint(append(b, "set_field:"...), uint64(VLANPresent|a.VID&0x0fff), 10)
	return append(b, "->vlan_vid"...)
}
func (a SetTunnelID) String() string { return string(a.appendText(nil)) }
func (a SetTunnelID) appendText(b []byte) []byte {
	return append(strconv.AppendUint(append(b, "set_field:0x"...), a.ID, 16), "->tun_id"...)
}
func (a SetTunnelDst) String() string { return string(a.appendText(nil)) }
func (a SetTunnelDst) appendText(b []byte) []byte {
	return append(appendIP(append(b, "set_field:"...), a.IP), "->tun_dst"...)
}
func (a SetIPv4Dst) String() string { return string(a.appendText(nil)) }
func (a SetIPv4Dst) appendText(b []byte) []byte {
	return append(appendIP(append(b, "set_field:"...), a.IP), "->ip_dst"...)
}
func (a SetEthDst) String() string { return string(a.appendText(nil)) }
func (a SetEthDst) appendText(b []byte) []byte {
	return append(appendMAC(append(b, "set_field:"...), a.MAC), "->eth_dst"...)
}
func (a RegLoad) String() string { return string(a.appendText(nil)) }
func (a RegLoad) appendText(b []byte) []byte {
	b = strconv.AppendUint(append(b, "load:0x"...), a.Value, 16)
	return a.Dst.appendText(append(b, "->"...))
}
func (a RegMove) String() string { return string(a.appendText(nil)) }
func (a RegMove) appendText(b []byte) []byte {
	b = a.Src.appendText(append(b, "move:"...))
	return a.Dst.appendText(append(b, "->"...))
}
func (a Resubmit) String() string { return string(a.appendText(nil)) }
func (a Resubmit) appendText(b []byte) []byte {
	return append(strconv.AppendUint(append(b, "resubmit(,"...), uint64(a.Table), 10), ')')
}
func (a Group) String() string { return string(a.appendText(nil)) }
func (a Group) appendText(b []byte) []byte {
	return strconv.AppendUint(append(b, "group:"...), uint64(a.ID), 10)
}

func (a Learn) String() string { return string(a.appendText(nil)) }
func (a Learn) appendText(b []byte) []byte {
	b = strconv.AppendUint(append(b, "learn(table="...), uint64(a.Table), 10)
	if a.IdleTimeout != 0 {
		b = strconv.AppendUint(append(b, ",idle_timeout="...), uint64(a.IdleTimeout), 10)
	}
	if a.HardTimeout != 0 {
		b = strconv.AppendUint(append(b, ",hard_timeout="...), uint64(a.HardTimeout), 10)
	}
	b = strconv.AppendUint(append(b, ",priority="...), uint64(a.Priority), 10)
	if a.Cookie != 0 {
		b = strconv.AppendUint(append(b, ",cookie=0x"...), a.Cookie, 16)
	}
	if a.Limit != 0 {
		b = strconv.AppendUint(append(b, ",limit="...), uint64(a.Limit), 10)
	}
	if a.ResultDst.Field.Bytes != 0 {
		b = a.ResultDst.appendText(append(b, ",result_dst="...))
	}
	for _, s := range a.Specs {
		b = append(b, ',')
		if t, ok := s.(textAppender); ok {
			b = t.appendText(b)
		} else {
			b = append(b, s.String()...)
		}
	}
	return append(b, ')')
}

func (s LearnMatchField) String() string { return string(s.appendText(nil)) }
func (s LearnMatchField) appendText(b []byte) []byte {
	b = s.Dst.appendText(b)
	if s.Src == s.Dst {
		return b
	}
	return s.Src.appendText(append(b, '='))
}
func (s LearnMatchValue) String() string { return string(s.appendText(nil)) }
func (s LearnMatchValue) appendText(b []byte) []byte {
	return strconv.AppendUint(append(s.Dst.appendText(b), "=0x"...), s.Value, 16)
}
func (s LearnLoadField) String() string { return string(s.appendText(nil)) }
func (s LearnLoadField) appendText(b []byte) []byte {
	b = s.Src.appendText(append(b, "load:"...))
	return s.Dst.appendText(append(b, "->"...))
}
func (s LearnLoadValue) String() string { return string(s.appendText(nil)) }
func (s LearnLoadValue) appendText(b []byte) []byte {
	b = strconv.AppendUint(append(b, "load:0x"...), s.Value, 16)
	return s.Dst.appendText(append(b, "->"...))
}
func (s LearnOutputField) String() string { return string(s.appendText(nil)) }
func (s LearnOutputField) appendText(b []byte) []byte {
	return s.Src.appendText(append(b, "output:"...))
}

// ActionsString prints an action list as ovs-ofctl does; an empty list is "drop".
func ActionsString(actions []Action) string {
	return string(AppendActionsText(nil, actions))
}
