package agent

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/vtep/vtep/pipeline"
)

// GET /v1/trace: one packet through the pipeline. vtepd builds the packet
// in OVS's flow syntax from the operator's terms (port and VLAN, or VNI and
// sending VTEP), runs ovs-vswitchd's ofproto/trace through its control
// socket (the trace never changes the switch: OVS suppresses the learn
// side effects), parses the per-table output and explains each step with
// the table's name, the cookie's feature and VNI, and the learned entry
// it hit.

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

// traceFlow turns a request into ofproto/trace's flow syntax.
func traceFlow(r TraceRequest, pi portInfo, localIP string) (string, error) {
	if err := r.Check(); err != nil {
		return "", err
	}
	var parts []string
	if r.FromTunnel() {
		if pi.tunnel == 0 {
			return "", fmt.Errorf("vni %d: the tunnel port %s is not known yet", r.VNI, TunnelPortName)
		}
		parts = append(parts, fmt.Sprintf("in_port=%d", pi.tunnel), fmt.Sprintf("tun_id=%d", r.VNI),
			"tun_src="+r.TunSrc, "tun_dst="+localIP)
	} else {
		p, ok := pi.byName(r.InPort)
		if !ok {
			if n, err := strconv.ParseUint(r.InPort, 10, 32); err == nil {
				p, ok = pi.ports[uint32(n)]
			}
		}
		if !ok {
			names := []string{}
			for _, q := range pi.ports {
				names = append(names, q.Name)
			}
			return "", fmt.Errorf("in_port %q: not a VM port vtepd knows (ports: %s)", r.InPort, strings.Join(sortedStrings(names), ", "))
		}
		parts = append(parts, fmt.Sprintf("in_port=%d", p.OFPort))
		if r.VLAN != 0 {
			parts = append(parts, fmt.Sprintf("dl_vlan=%d", r.VLAN))
		}
	}
	dst := r.DlDst
	if dst == "" {
		dst = "ff:ff:ff:ff:ff:ff"
	}
	parts = append(parts, "dl_src="+strings.ToLower(r.DlSrc), "dl_dst="+strings.ToLower(dst))
	proto := r.Proto
	if proto == "" && r.NwDst != "" {
		proto = "icmp"
	}
	switch proto {
	case "arp":
		parts = append(parts, "arp", "arp_op=1", "arp_tpa="+r.NwDst)
		if r.NwSrc != "" {
			parts = append(parts, "arp_spa="+r.NwSrc)
		}
	case "icmp", "udp", "tcp":
		parts = append(parts, proto, "nw_dst="+r.NwDst)
		if r.NwSrc != "" {
			parts = append(parts, "nw_src="+r.NwSrc)
		}
	}
	return strings.Join(parts, ","), nil
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

var (
	traceBridgeRe = regexp.MustCompile(`^bridge\("(.*)"\)$`)
	traceStepRe   = regexp.MustCompile(`^( *)(\d+)\. (.*)$`)
)

// ParseTrace parses ofproto/trace's text: per bridge, the tables visited
// (indented by resubmit depth) with the matching flow's match, priority and
// cookie, its actions and OVS's notes on them ("->", ">>"), then the final
// flow, megaflow and datapath actions. Cookies are decoded; table names,
// explanations and outputs are added by Explain.
func ParseTrace(text string) (TraceResult, error) {
	res := TraceResult{Raw: text, Steps: []TraceStep{}, Outputs: []TraceOutput{}}
	bridge := ""
	var stack []int // indices of open steps, outermost first
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, " \r")
		body := strings.TrimLeft(line, " ")
		indent := len(line) - len(body)
		switch {
		case body == "" || strings.Trim(body, "-") == "":
			continue
		case indent == 0 && strings.HasPrefix(body, "Flow: "):
			continue
		case indent == 0 && strings.HasPrefix(body, "Final flow: "):
			res.FinalFlow = strings.TrimPrefix(body, "Final flow: ")
			continue
		case indent == 0 && strings.HasPrefix(body, "Megaflow: "):
			res.Megaflow = strings.TrimPrefix(body, "Megaflow: ")
			continue
		case indent == 0 && strings.HasPrefix(body, "Datapath actions: "):
			res.DatapathActions = strings.TrimPrefix(body, "Datapath actions: ")
			continue
		}
		if m := traceBridgeRe.FindStringSubmatch(body); m != nil && indent == 0 {
			bridge, stack = m[1], nil
			continue
		}
		if m := traceStepRe.FindStringSubmatch(line); m != nil {
			table, err := strconv.ParseUint(m[2], 10, 8)
			if err != nil {
				return res, fmt.Errorf("trace line %q: table %q: %w", line, m[2], err)
			}
			st := TraceStep{Bridge: bridge, Depth: max(0, (len(m[1])+len(m[2])-2)/4), Table: uint8(table), Actions: []TraceAction{}}
			if err := parseStepHeader(m[3], &st); err != nil {
				return res, fmt.Errorf("trace line %q: %w", line, err)
			}
			for len(stack) > 0 && res.Steps[stack[len(stack)-1]].Depth >= st.Depth {
				stack = stack[:len(stack)-1]
			}
			res.Steps = append(res.Steps, st)
			stack = append(stack, len(res.Steps)-1)
			continue
		}
		if len(stack) == 0 {
			// text outside any table (e.g. OVS's own remarks): keep it raw only
			continue
		}
		for len(stack) > 1 && 4+8*res.Steps[stack[len(stack)-1]].Depth > indent {
			stack = stack[:len(stack)-1]
		}
		st := &res.Steps[stack[len(stack)-1]]
		if strings.HasPrefix(body, "->") || strings.HasPrefix(body, ">>") {
			note := strings.TrimSpace(body[2:])
			if n := len(st.Actions); n > 0 {
				st.Actions[n-1].Notes = append(st.Actions[n-1].Notes, note)
			} else {
				st.Notes = append(st.Notes, note)
			}
			continue
		}
		st.Actions = append(st.Actions, TraceAction{Action: body})
	}
	if len(res.Steps) == 0 {
		return res, fmt.Errorf("trace: no table steps in ofproto/trace output %q", firstLine(text))
	}
	return res, nil
}

// parseStepHeader reads "MATCH, priority N, cookie 0xC" (match and cookie
// optional) or a miss ("No match.").
func parseStepHeader(h string, st *TraceStep) error {
	if i := strings.LastIndex(h, ", cookie "); i >= 0 {
		c, err := strconv.ParseUint(strings.TrimPrefix(h[i+len(", cookie "):], "0x"), 16, 64)
		if err != nil {
			return fmt.Errorf("cookie %q: %w", h[i+len(", cookie "):], err)
		}
		h = h[:i]
		st.Cookie = fmt.Sprintf("0x%x", c)
		if ck := pipeline.Cookie(c); ck.IsVtep() {
			st.Feature = ck.Feature().String()
			st.VNI = ck.VNI()
			st.Learned = ck.Feature().Learned()
		}
	}
	prio := ""
	switch {
	case strings.HasPrefix(h, "priority "):
		prio = strings.TrimPrefix(h, "priority ")
	case strings.Contains(h, ", priority "):
		i := strings.LastIndex(h, ", priority ")
		st.Match, prio = h[:i], h[i+len(", priority "):]
	default:
		st.Miss = true
		st.Notes = append(st.Notes, h)
		return nil
	}
	p, err := strconv.Atoi(prio)
	if err != nil {
		return fmt.Errorf("priority %q: %w", prio, err)
	}
	st.Priority = p
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// traceContext is what Explain knows besides the trace: the bridges, the
// ports and the request.
type traceContext struct {
	overlay, underlay string
	ports             portInfo
	req               TraceRequest
}

// traceState follows the registers and tunnel fields through the actions.
type traceState struct {
	vni, reg2, reg3 uint32
	vlan            uint16
	tunDst          string
	tunID           uint32
}

// Explain names tables, explains each step in the seed's terms, collects
// the overlay bridge's outputs and writes the verdict.
func Explain(res *TraceResult, tc traceContext) {
	var s traceState
	s.vni = tc.req.VNI
	for i := range res.Steps {
		st := &res.Steps[i]
		role := ""
		switch st.Bridge {
		case tc.overlay:
			role = BridgeOverlay
		case tc.underlay:
			role = BridgeUnderlay
		}
		st.TableName = tableName(role, st.Table)
		for _, a := range st.Actions {
			applyTraceAction(&s, a)
			if role == BridgeOverlay && strings.HasPrefix(a.Action, "output:") {
				if o, ok := traceOutput(a, s, tc.ports); ok {
					res.Outputs = append(res.Outputs, o)
				}
			}
		}
		st.Explain = explainStep(st, s, tc, res.Outputs)
	}
	res.Verdict = verdict(res)
}

func applyTraceAction(s *traceState, a TraceAction) {
	act := a.Action
	if v, dst, ok := strings.Cut(strings.TrimPrefix(act, "load:"), "->"); ok && strings.HasPrefix(act, "load:") {
		n, err := strconv.ParseUint(strings.TrimPrefix(v, "0x"), 16, 64)
		if err == nil {
			switch {
			case strings.HasPrefix(dst, "NXM_NX_REG0["):
				s.vni = uint32(n)
			case strings.HasPrefix(dst, "NXM_NX_REG2["):
				s.reg2 = uint32(n)
			case strings.HasPrefix(dst, "NXM_NX_REG3["):
				s.reg3 = uint32(n)
			}
		}
	}
	switch {
	case act == "pop_vlan":
		s.vlan = 0
	case strings.HasPrefix(act, "set_field:") && strings.HasSuffix(act, "->vlan_vid"):
		if n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(act, "set_field:"), "->vlan_vid"), 0, 16); err == nil {
			s.vlan = uint16(n) & 0xfff
		}
	case strings.HasPrefix(act, "set_field:") && strings.HasSuffix(act, "->tun_id"):
		if n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(act, "set_field:"), "->tun_id"), 0, 64); err == nil {
			s.tunID = uint32(n)
		}
	case strings.HasPrefix(act, "set_field:") && strings.HasSuffix(act, "->tun_dst"):
		s.tunDst = strings.TrimSuffix(strings.TrimPrefix(act, "set_field:"), "->tun_dst")
	}
	for _, n := range a.Notes {
		field, val, ok := strings.Cut(n, " is now ")
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(field, "NXM_NX_TUN_IPV4_DST"):
			s.tunDst = val
		case strings.HasPrefix(field, "NXM_NX_TUN_ID"):
			if v, err := strconv.ParseUint(val, 0, 64); err == nil {
				s.tunID = uint32(v)
			}
		}
	}
}

func traceOutput(a TraceAction, s traceState, pi portInfo) (TraceOutput, bool) {
	n, err := strconv.ParseUint(strings.TrimPrefix(a.Action, "output:"), 10, 32)
	if err != nil {
		return TraceOutput{}, false
	}
	o := TraceOutput{Port: uint32(n), PortName: pi.name(uint32(n))}
	if o.Port == pi.tunnel && pi.tunnel != 0 {
		o.Tunnel, o.VTEP, o.VNI = true, s.tunDst, s.tunID
		if ip := net.ParseIP(s.tunDst); ip != nil && ip.IsMulticast() {
			o.Group = true
		}
	} else {
		o.VLAN = s.vlan
	}
	for _, note := range a.Notes {
		if strings.HasPrefix(note, "skipping") || strings.Contains(note, "dropping") {
			o.Skipped = note
		}
	}
	return o, true
}

func explainStep(st *TraceStep, s traceState, tc traceContext, outs []TraceOutput) string {
	r := tc.req
	dst := r.DlDst
	if dst == "" {
		dst = "ff:ff:ff:ff:ff:ff"
	}
	if st.Miss {
		return "no flow matched: dropped"
	}
	from := fmt.Sprintf("port %s", r.InPort)
	if r.VLAN != 0 {
		from += fmt.Sprintf(" VLAN %d", r.VLAN)
	}
	switch st.Feature {
	case pipeline.FeatureClassifyVLAN.String():
		return fmt.Sprintf("from %s -> VNI %d", from, s.vni)
	case pipeline.FeatureClassifySubnet.String():
		return fmt.Sprintf("untagged from port %s to a subnet of VNI %d -> VNI %d", r.InPort, s.vni, s.vni)
	case pipeline.FeatureClassifyTunnel.String():
		return fmt.Sprintf("from the tunnel: VNI %d, sent by VTEP %s", s.vni, r.TunSrc)
	case pipeline.FeatureDropUnknownVNI.String():
		return fmt.Sprintf("from the tunnel with VNI %d, which no network here has: dropped (counted as drop-unknown-vni)", r.VNI)
	case pipeline.FeatureDropUnknownVLAN.String():
		if r.FromTunnel() {
			return "matches no classify flow: dropped (counted as drop-unknown-vlan)"
		}
		return fmt.Sprintf("%s maps to no VNI: dropped (counted as drop-unknown-vlan)", from)
	case pipeline.FeatureLearnRemote.String():
		return fmt.Sprintf("learn %s in VNI %d behind VTEP %s (a trace does not change the MAC table)", r.DlSrc, s.vni, r.TunSrc)
	case pipeline.FeatureLearnLocal.String():
		return fmt.Sprintf("learn %s in VNI %d on port %s (a trace does not change the MAC table)", r.DlSrc, s.vni, r.InPort)
	case pipeline.FeatureNoLearn.String():
		return fmt.Sprintf("source %s is a multicast MAC: not learned", r.DlSrc)
	case pipeline.FeatureLearnedRemote.String():
		return fmt.Sprintf("MAC table hit: %s in VNI %d is behind VTEP %s", dst, st.VNI, ipv4(s.reg2))
	case pipeline.FeatureLearnedLocal.String():
		return fmt.Sprintf("MAC table hit: %s in VNI %d is on local port %s", dst, st.VNI, tc.ports.name(s.reg3))
	case pipeline.FeatureMACMiss.String():
		return fmt.Sprintf("MAC table miss: %s is unknown in VNI %d", dst, s.vni)
	case pipeline.FeatureEgressTunnel.String():
		return fmt.Sprintf("known remote destination: to VTEP %s with VNI %d", s.tunDst, s.tunID)
	case pipeline.FeatureEgress.String():
		if s.vlan != 0 {
			return fmt.Sprintf("known local destination: to port %s with VLAN %d", tc.ports.name(s.reg3), s.vlan)
		}
		return fmt.Sprintf("known local destination: to port %s, untagged", tc.ports.name(s.reg3))
	case pipeline.FeatureEgressSplitHorizon.String():
		return "the destination is behind another VTEP and the frame came from the tunnel: dropped (split horizon)"
	case pipeline.FeatureEgressMiss.String():
		if isBroadcastOrMulticast(dst) {
			return fmt.Sprintf("%s is a broadcast/multicast destination: flood", dst)
		}
		return "destination unknown: flood"
	case pipeline.FeatureFlood.String():
		var to []string
		for _, o := range outs {
			if o.Skipped == "" {
				to = append(to, o.String())
			}
		}
		how := "from a local port: to the VNI's other local ports and the other VTEPs"
		if r.FromTunnel() {
			how = "from the tunnel: to local ports only (split horizon)"
		}
		if len(to) == 0 {
			return fmt.Sprintf("flood VNI %d %s: nowhere to send", s.vni, how)
		}
		return fmt.Sprintf("flood VNI %d %s: %s", s.vni, how, strings.Join(to, ", "))
	case pipeline.FeatureUnderlayJoin.String():
		return "group traffic for this VTEP: rewritten to its own address and decapsulated"
	case pipeline.FeatureUnderlayNormal.String():
		return fmt.Sprintf("underlay bridge %s switches the outer packet normally", st.Bridge)
	case "":
		if st.Cookie == "" {
			return "flow without a cookie: not made by vtep"
		}
		return fmt.Sprintf("flow with cookie %s: not made by vtep", st.Cookie)
	}
	return st.Feature
}

func isBroadcastOrMulticast(mac string) bool {
	hw, err := net.ParseMAC(mac)
	return err == nil && len(hw) > 0 && hw[0]&1 == 1
}

func verdict(res *TraceResult) string {
	var sent []string
	for _, o := range res.Outputs {
		if o.Skipped == "" {
			sent = append(sent, o.String())
		}
	}
	switch {
	case len(sent) == 0:
		n := len(res.Steps)
		if n == 0 {
			return "dropped"
		}
		last := res.Steps[n-1]
		where := last.TableName
		if where == "" {
			where = strconv.Itoa(int(last.Table))
		}
		if last.Feature == "" || last.Miss {
			return fmt.Sprintf("dropped in table %s of %s: no vtep flow sent it on", where, last.Bridge)
		}
		return fmt.Sprintf("dropped in table %s by %s", where, last.Feature)
	case len(sent) == 1 && !res.Outputs[0].Group && !isFlood(res):
		return "to " + sent[0]
	}
	return "flooded to " + strings.Join(sent, ", ")
}

func isFlood(res *TraceResult) bool {
	for _, st := range res.Steps {
		if st.Feature == pipeline.FeatureFlood.String() {
			return true
		}
	}
	return false
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// Trace traces one packet through the overlay bridge.
func (a *Agent) Trace(ctx context.Context, r TraceRequest) (TraceResult, error) {
	cfg := a.config()
	_, st, _ := a.Snapshot()
	pi := newPortInfo(cfg, st)
	flow, err := traceFlow(r, pi, cfg.Underlay.LocalIP.Addr().String())
	if err != nil {
		return TraceResult{}, err
	}
	if a.unixctl == nil {
		return TraceResult{}, fmt.Errorf("trace: vtepd has no ovs-vswitchd control socket")
	}
	out, err := a.unixctl.Call(ctx, "ofproto/trace", cfg.Bridge, flow)
	if err != nil {
		return TraceResult{}, fmt.Errorf("trace %s: %w", flow, err)
	}
	res, err := ParseTrace(out)
	if err != nil {
		return res, err
	}
	res.Request, res.Bridge, res.Flow = r, cfg.Bridge, flow
	tc := traceContext{overlay: cfg.Bridge, underlay: cfg.Underlay.Bridge, ports: pi, req: r}
	Explain(&res, tc)
	return res, nil
}

func init() {
	registerHooks = append(registerHooks, func(a *Agent, mux *http.ServeMux) {
		mux.HandleFunc("GET /v1/trace", func(w http.ResponseWriter, r *http.Request) {
			req, err := ParseTraceRequest(r.URL.Query())
			if err != nil {
				writeError(w, http.StatusBadRequest, err)
				return
			}
			res, err := a.Trace(r.Context(), req)
			if err != nil {
				writeError(w, http.StatusBadRequest, err)
				return
			}
			writeJSON(w, res)
		})
	})
}

// Trace reads GET /v1/trace.
func (c *Client) Trace(ctx context.Context, r TraceRequest) (TraceResult, error) {
	var res TraceResult
	err := c.Get(ctx, "/v1/trace"+encodeQuery(r.Values()), &res)
	return res, err
}
