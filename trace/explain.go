package trace

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/pipeline"
)

// Context is what Explain knows besides the trace: the bridges, the
// ports and the request.
type Context struct {
	Overlay, Underlay string // the bridges' names
	Ports             Ports
	Request           api.TraceRequest
}

// traceState follows the registers and tunnel fields through the actions.
type traceState struct {
	vni, reg2, reg3 uint32
	reg4, reg5      uint32 // a binding's MAC (ARP suppression)
	vlan            uint16
	tunDst          string
	tunID           uint32
}

// Explain names tables, explains each step in vtep's terms (VNI, VTEP, port and VLAN), collects
// the overlay bridge's outputs and writes the verdict.
func Explain(res *api.TraceResult, tc Context) {
	var s traceState
	s.vni = tc.Request.VNI
	for i := range res.Steps {
		st := &res.Steps[i]
		role := ""
		switch st.Bridge {
		case tc.Overlay:
			role = api.BridgeOverlay
		case tc.Underlay:
			role = api.BridgeUnderlay
		}
		st.TableName = pipeline.TableName(st.Table)
		if role == api.BridgeUnderlay {
			st.TableName = pipeline.UnderlayTableName(st.Table)
		}
		for _, a := range st.Actions {
			applyTraceAction(&s, a)
			if role == api.BridgeOverlay && strings.HasPrefix(a.Action, "output:") {
				if o, ok := traceOutput(a, s, tc.Ports); ok {
					res.Outputs = append(res.Outputs, o)
				}
			}
			if role == api.BridgeOverlay && a.Action == "IN_PORT" {
				if o, ok := inPortOutput(s, tc); ok {
					res.Outputs = append(res.Outputs, o)
				}
			}
		}
		st.Explain = explainStep(st, s, tc, res.Outputs)
	}
	res.Verdict = verdict(res)
}

func applyTraceAction(s *traceState, a api.TraceAction) {
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
			case strings.HasPrefix(dst, "NXM_NX_REG4["):
				s.reg4 = uint32(n)
			case strings.HasPrefix(dst, "NXM_NX_REG5["):
				s.reg5 = uint32(n)
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

func traceOutput(a api.TraceAction, s traceState, pi Ports) (api.TraceOutput, bool) {
	n, err := strconv.ParseUint(strings.TrimPrefix(a.Action, "output:"), 10, 32)
	if err != nil {
		return api.TraceOutput{}, false
	}
	o := api.TraceOutput{Port: uint32(n), PortName: pi.Name(uint32(n))}
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

func explainStep(st *api.TraceStep, s traceState, tc Context, outs []api.TraceOutput) string {
	r := tc.Request
	dst := r.DlDst
	if dst == "" {
		dst = "ff:ff:ff:ff:ff:ff"
	}
	if st.Miss {
		return "no flow matched: dropped"
	}
	if why, ok := explainSecurityDrop(st, r); ok {
		return why
	}
	if why, ok := explainMACTable(st, s, tc, dst); ok {
		return why
	}
	if why, ok := explainOversize(st, s); ok {
		return why
	}
	if why, ok := explainARP(st, s, tc, outs); ok {
		return why
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
		return explainUnknownVLAN(r, tc.Ports)
	case pipeline.FeatureLearnRemote.String():
		return fmt.Sprintf("learn %s in VNI %d behind VTEP %s (a trace does not change the MAC table)", r.DlSrc, s.vni, r.TunSrc)
	case pipeline.FeatureLearnLocal.String():
		return fmt.Sprintf("learn %s in VNI %d on port %s (a trace does not change the MAC table)", r.DlSrc, s.vni, r.InPort)
	case pipeline.FeatureNoLearn.String():
		return fmt.Sprintf("source %s is not a unicast MAC: not learned", r.DlSrc)
	case pipeline.FeatureEgressTunnel.String():
		return fmt.Sprintf("known remote destination: to VTEP %s with VNI %d", s.tunDst, s.tunID)
	case pipeline.FeatureEgress.String():
		if s.vlan != 0 {
			return fmt.Sprintf("known local destination: to port %s with VLAN %d", tc.Ports.Name(s.reg3), s.vlan)
		}
		return fmt.Sprintf("known local destination: to port %s, untagged", tc.Ports.Name(s.reg3))
	case pipeline.FeatureEgressSplitHorizon.String():
		return "the destination is behind another VTEP and the frame came from the tunnel: dropped (split horizon)"
	case pipeline.FeatureEgressMiss.String():
		if isBroadcastOrMulticast(dst) {
			return fmt.Sprintf("%s is a broadcast/multicast destination: flood", dst)
		}
		return "destination unknown: flood"
	case pipeline.FeatureFlood.String():
		return explainFlood(s, r, outs)
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

// explainFlood explains a flood step by where the copies go.
func explainFlood(s traceState, r api.TraceRequest, outs []api.TraceOutput) string {
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
}

// explainMACTable explains a step in table mac: a hit (learned or static)
// or a miss; ok is false for other steps.
func explainMACTable(st *api.TraceStep, s traceState, tc Context, dst string) (string, bool) {
	switch st.Feature {
	case pipeline.FeatureLearnedRemote.String():
		return fmt.Sprintf("MAC table hit: %s in VNI %d is behind VTEP %s", dst, st.VNI, ipv4(s.reg2)), true
	case pipeline.FeatureMACStatic.String():
		return fmt.Sprintf("MAC table hit: %s in VNI %d is a secured MAC of local port %s (static)", dst, st.VNI, tc.Ports.Name(s.reg3)), true
	case pipeline.FeatureLearnedLocal.String():
		return fmt.Sprintf("MAC table hit: %s in VNI %d is on local port %s", dst, st.VNI, tc.Ports.Name(s.reg3)), true
	case pipeline.FeatureMACMiss.String():
		return fmt.Sprintf("MAC table miss: %s is unknown in VNI %d", dst, s.vni), true
	}
	return "", false
}

// explainSecurityDrop explains the drops that keep bad frames away from
// learning (see docs/design.md); ok is false for other steps.
func explainSecurityDrop(st *api.TraceStep, r api.TraceRequest) (string, bool) {
	switch st.Feature {
	case pipeline.FeatureDropUntrustedVTEP.String():
		return fmt.Sprintf("from the tunnel, sent by %s, which is no trusted VTEP (underlay.trusted_vteps): dropped before learning (counted as drop-untrusted-vtep)", r.TunSrc), true
	case pipeline.FeatureDropInvalidSource.String():
		return fmt.Sprintf("source %s is a multicast, broadcast or all-zero MAC, which no station sends from: dropped, never learned (counted as drop-invalid-source)", r.DlSrc), true
	case pipeline.FeatureDropPortSecurity.String():
		return fmt.Sprintf("port security: source %s is not allowed here (another MAC on a secured port, or a MAC secured on another port): dropped, not learned (counted as drop-port-security)", r.DlSrc), true
	case pipeline.FeatureDropStackedVLAN.String():
		return "a second VLAN tag behind the first (QinQ): dropped (counted as drop-stacked-vlan)", true
	case pipeline.FeatureMACLimit.String():
		return fmt.Sprintf("VNI %d or this port is at max_macs: %s not learned, still forwarded (counted as mac-limit)", st.VNI, r.DlSrc), true
	case pipeline.FeatureMACLimitOK.String():
		return "within max_macs", true
	}
	return explainLearningPause(st, r)
}

// explainLearningPause explains the steps of the all-zero source check and
// of learning pauses (pipeline/pause.go); ok is false for other steps.
func explainLearningPause(st *api.TraceStep, r api.TraceRequest) (string, bool) {
	switch st.Feature {
	case pipeline.FeatureSourceValid.String():
		return fmt.Sprintf("source %s is not all zeros", r.DlSrc), true
	case pipeline.FeatureSourceZero.String():
		return "source is all zeros: marked, dropped before learning", true
	case pipeline.FeatureLearnActive.String():
		return "this place learns (no learning pause)", true
	case pipeline.FeatureLearnedPause.String():
		return fmt.Sprintf("this place paused learning in VNI %d: max_macs refused a burst of new sources, the last from here, within the last %d s", st.VNI, pipeline.LearnPauseSeconds), true
	case pipeline.FeatureRefusedBurst.String():
		return fmt.Sprintf("%d other sources were refused in VNI %d within %d s: this place pauses learning", pipeline.PauseBurst, st.VNI, pipeline.LearnPauseSeconds), true
	case pipeline.FeatureNoBurst.String():
		return "no burst of refused sources: no pause", true
	case pipeline.FeatureLearningPaused.String():
		return fmt.Sprintf("learning paused: %s not learned, still forwarded (counted with mac-limit)", r.DlSrc), true
	}
	return "", false
}

func isBroadcastOrMulticast(mac string) bool {
	hw, err := net.ParseMAC(mac)
	return err == nil && len(hw) > 0 && hw[0]&1 == 1
}

func verdict(res *api.TraceResult) string {
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
	case len(sent) == 1 && answered(res):
		return "answered by this VTEP (ARP suppression): reply to " + sent[0]
	case len(sent) == 1 && !res.Outputs[0].Group && !isFlood(res):
		return "to " + sent[0]
	}
	return "flooded to " + strings.Join(sent, ", ")
}

func isFlood(res *api.TraceResult) bool {
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

// ipv4 turns a register's value into an IPv4 address.
func ipv4(v uint32) net.IP {
	return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
