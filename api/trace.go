package api

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
)

// TraceRequest describes the packet to trace: from a local port (InPort,
// and VLAN when the frame is tagged on a trunk), or from the tunnel (VNI and
// TunSrc, the sending VTEP's address), with its MACs and, optionally, IPv4
// addresses and protocol.
type TraceRequest struct {
	InPort string `json:"in_port,omitempty"`
	VLAN   uint16 `json:"vlan,omitempty"`
	VNI    uint32 `json:"vni,omitempty"`
	TunSrc string `json:"tun_src,omitempty"`
	DlSrc  string `json:"dl_src"`
	DlDst  string `json:"dl_dst"`
	NwSrc  string `json:"nw_src,omitempty"`
	NwDst  string `json:"nw_dst,omitempty"`
	// Proto is icmp, arp, udp, tcp or "" (Ethernet only; icmp when an IPv4
	// destination is given).
	Proto string `json:"proto,omitempty"`
}

// FromTunnel reports whether the packet arrives from the tunnel.
func (r TraceRequest) FromTunnel() bool { return r.InPort == "" }

// Values returns the request as URL parameters.
func (r TraceRequest) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("in_port", r.InPort)
	if r.VLAN != 0 {
		v.Set("vlan", strconv.Itoa(int(r.VLAN)))
	}
	if r.VNI != 0 {
		v.Set("vni", strconv.FormatUint(uint64(r.VNI), 10))
	}
	set("tun_src", r.TunSrc)
	set("dl_src", r.DlSrc)
	set("dl_dst", r.DlDst)
	set("nw_src", r.NwSrc)
	set("nw_dst", r.NwDst)
	set("proto", r.Proto)
	return v
}

// ParseTraceRequest reads and checks a request from URL parameters: every
// error names the parameter and its value.
func ParseTraceRequest(v url.Values) (TraceRequest, error) {
	r := TraceRequest{InPort: v.Get("in_port"), TunSrc: v.Get("tun_src"), DlSrc: v.Get("dl_src"),
		DlDst: v.Get("dl_dst"), NwSrc: v.Get("nw_src"), NwDst: v.Get("nw_dst"), Proto: v.Get("proto")}
	if s := v.Get("vlan"); s != "" {
		n, err := strconv.ParseUint(s, 10, 16)
		if err != nil || n < 1 || n > 4094 {
			return r, fmt.Errorf("vlan %q: want 1..4094", s)
		}
		r.VLAN = uint16(n)
	}
	if s := v.Get("vni"); s != "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil || n < 1 || n > 0xffffff {
			return r, fmt.Errorf("vni %q: want 1..16777215", s)
		}
		r.VNI = uint32(n)
	}
	return r, r.Check()
}

// Check validates the request's fields and their combination.
func (r TraceRequest) Check() error {
	switch {
	case r.InPort != "" && (r.VNI != 0 || r.TunSrc != ""):
		return fmt.Errorf("in_port %q with vni/tun_src: a packet comes from a port or from the tunnel, not both", r.InPort)
	case r.InPort == "" && (r.VNI == 0 || r.TunSrc == ""):
		return fmt.Errorf("in_port is empty: give in_port (a VM port) or vni and tun_src (from the tunnel)")
	case r.InPort == "" && r.VLAN != 0:
		return fmt.Errorf("vlan %d: only frames from a VM port carry a VLAN", r.VLAN)
	}
	if r.TunSrc != "" {
		if ip := net.ParseIP(r.TunSrc); ip == nil || ip.To4() == nil {
			return fmt.Errorf("tun_src %q: not an IPv4 address", r.TunSrc)
		}
	}
	for _, m := range []struct{ name, v string }{{"dl_src", r.DlSrc}, {"dl_dst", r.DlDst}} {
		if m.v == "" && m.name == "dl_dst" {
			continue
		}
		if hw, err := net.ParseMAC(m.v); err != nil || len(hw) != 6 {
			return fmt.Errorf("%s %q: not a MAC address like 02:00:00:00:00:0a", m.name, m.v)
		}
	}
	for _, a := range []struct{ name, v string }{{"nw_src", r.NwSrc}, {"nw_dst", r.NwDst}} {
		if a.v == "" {
			continue
		}
		if ip := net.ParseIP(a.v); ip == nil || ip.To4() == nil {
			return fmt.Errorf("%s %q: not an IPv4 address", a.name, a.v)
		}
	}
	switch r.Proto {
	case "", "icmp", "arp", "udp", "tcp":
	default:
		return fmt.Errorf("proto %q: want icmp, arp, udp or tcp", r.Proto)
	}
	if r.Proto != "" && r.NwDst == "" {
		return fmt.Errorf("proto %q: needs nw_dst", r.Proto)
	}
	return nil
}

// TraceResult is the answer to GET /v1/trace.
type TraceResult struct {
	Request TraceRequest `json:"request"`
	Bridge  string       `json:"bridge"`
	// Flow is what vtepd asked ofproto/trace to trace.
	Flow    string        `json:"flow"`
	Steps   []TraceStep   `json:"steps"`
	Outputs []TraceOutput `json:"outputs"`
	// Verdict says in one line where the packet went.
	Verdict         string `json:"verdict"`
	FinalFlow       string `json:"final_flow,omitempty"`
	Megaflow        string `json:"megaflow,omitempty"`
	DatapathActions string `json:"datapath_actions,omitempty"`
	// Raw is ofproto/trace's own text.
	Raw string `json:"raw"`
}

// TraceStep is one flow the packet hit (or one table it missed).
type TraceStep struct {
	Bridge string `json:"bridge"`
	// Depth is 0 for tables reached by goto_table, 1 for a lookup made by
	// resubmit from the step before (the MAC table), and so on.
	Depth     int           `json:"depth"`
	Table     uint8         `json:"table"`
	TableName string        `json:"table_name,omitempty"`
	Match     string        `json:"match,omitempty"`
	Priority  int           `json:"priority"`
	Cookie    string        `json:"cookie,omitempty"`
	Feature   string        `json:"feature,omitempty"`
	VNI       uint32        `json:"vni,omitempty"`
	Learned   bool          `json:"learned,omitempty"`
	Miss      bool          `json:"miss,omitempty"`
	Actions   []TraceAction `json:"actions"`
	Notes     []string      `json:"notes,omitempty"`
	Explain   string        `json:"explain"`
}

// TraceAction is one action of a step with what OVS said about it.
type TraceAction struct {
	Action string   `json:"action"`
	Notes  []string `json:"notes,omitempty"`
}

// TraceOutput is one copy of the packet leaving the overlay bridge.
type TraceOutput struct {
	Port     uint32 `json:"port"`
	PortName string `json:"port_name"`
	// VLAN is the tag the copy carries on a local port (0: untagged).
	VLAN uint16 `json:"vlan,omitempty"`
	// Tunnel copies go to VTEP (a unicast VTEP or a multicast group) with VNI.
	Tunnel bool   `json:"tunnel,omitempty"`
	VTEP   string `json:"vtep,omitempty"`
	Group  bool   `json:"group,omitempty"`
	VNI    uint32 `json:"vni,omitempty"`
	// Skipped is OVS's reason for not sending this copy (e.g. the input port).
	Skipped string `json:"skipped,omitempty"`
}

// String describes the output: "VTEP 10.0.0.2 (VNI 10)", "group 239.1.1.1
// (VNI 10)", "port a (VLAN 1)".
func (o TraceOutput) String() string {
	switch {
	case o.Tunnel && o.Group:
		return fmt.Sprintf("group %s (VNI %d)", o.VTEP, o.VNI)
	case o.Tunnel:
		return fmt.Sprintf("VTEP %s (VNI %d)", o.VTEP, o.VNI)
	case o.VLAN != 0:
		return fmt.Sprintf("port %s (VLAN %d)", o.PortName, o.VLAN)
	}
	return fmt.Sprintf("port %s (untagged)", o.PortName)
}
