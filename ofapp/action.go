package ofapp

import (
	"fmt"
	"net"
	"strings"
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
	return fmt.Sprintf("%d", p)
}

func (a Output) String() string {
	switch a.Port {
	case PortInPort:
		return "in_port"
	case PortNormal, PortLocal, PortFlood:
		return PortString(a.Port)
	}
	return fmt.Sprintf("output:%d", a.Port)
}
func (a OutputReg) String() string { return "output:" + a.Src.String() }
func (PushVLAN) String() string    { return "push_vlan:0x8100" }
func (PopVLAN) String() string     { return "pop_vlan" }
func (a SetVLANVID) String() string {
	return fmt.Sprintf("set_field:%d->vlan_vid", VLANPresent|a.VID&0x0fff)
}
func (a SetTunnelID) String() string  { return fmt.Sprintf("set_field:0x%x->tun_id", a.ID) }
func (a SetTunnelDst) String() string { return fmt.Sprintf("set_field:%s->tun_dst", a.IP) }
func (a SetIPv4Dst) String() string   { return fmt.Sprintf("set_field:%s->ip_dst", a.IP) }
func (a SetEthDst) String() string    { return fmt.Sprintf("set_field:%s->eth_dst", a.MAC) }
func (a RegLoad) String() string      { return fmt.Sprintf("load:0x%x->%s", a.Value, a.Dst) }
func (a RegMove) String() string      { return fmt.Sprintf("move:%s->%s", a.Src, a.Dst) }
func (a Resubmit) String() string     { return fmt.Sprintf("resubmit(,%d)", a.Table) }
func (a Group) String() string        { return fmt.Sprintf("group:%d", a.ID) }

func (a Learn) String() string {
	parts := []string{fmt.Sprintf("table=%d", a.Table)}
	if a.IdleTimeout != 0 {
		parts = append(parts, fmt.Sprintf("idle_timeout=%d", a.IdleTimeout))
	}
	if a.HardTimeout != 0 {
		parts = append(parts, fmt.Sprintf("hard_timeout=%d", a.HardTimeout))
	}
	parts = append(parts, fmt.Sprintf("priority=%d", a.Priority))
	if a.Cookie != 0 {
		parts = append(parts, fmt.Sprintf("cookie=0x%x", a.Cookie))
	}
	if a.Limit != 0 {
		parts = append(parts, fmt.Sprintf("limit=%d", a.Limit))
	}
	if a.ResultDst.Field.Bytes != 0 {
		parts = append(parts, "result_dst="+a.ResultDst.String())
	}
	for _, s := range a.Specs {
		parts = append(parts, s.String())
	}
	return "learn(" + strings.Join(parts, ",") + ")"
}

func (s LearnMatchField) String() string {
	if s.Src == s.Dst {
		return s.Dst.String()
	}
	return s.Dst.String() + "=" + s.Src.String()
}
func (s LearnMatchValue) String() string  { return fmt.Sprintf("%s=0x%x", s.Dst, s.Value) }
func (s LearnLoadField) String() string   { return fmt.Sprintf("load:%s->%s", s.Src, s.Dst) }
func (s LearnLoadValue) String() string   { return fmt.Sprintf("load:0x%x->%s", s.Value, s.Dst) }
func (s LearnOutputField) String() string { return "output:" + s.Src.String() }

// ActionsString prints an action list as ovs-ofctl does; an empty list is "drop".
func ActionsString(actions []Action) string {
	if len(actions) == 0 {
		return "drop"
	}
	parts := make([]string, len(actions))
	for i, a := range actions {
		parts[i] = a.String()
	}
	return strings.Join(parts, ",")
}
