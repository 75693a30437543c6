package ofapp

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"testing"
)

// The printers below are the fmt-based ones the append printers replaced,
// kept as the reference: the pipeline's cookies digest this text, so a
// single changed byte would change every cookie and reprogram every switch.

func refFlowString(f Flow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "table=%d,priority=%d", f.Table, f.Priority)
	if f.Cookie != 0 {
		fmt.Fprintf(&b, ",cookie=0x%x", f.Cookie)
	}
	if f.IdleTimeout != 0 {
		fmt.Fprintf(&b, ",idle_timeout=%d", f.IdleTimeout)
	}
	if f.HardTimeout != 0 {
		fmt.Fprintf(&b, ",hard_timeout=%d", f.HardTimeout)
	}
	if len(f.Match) > 0 {
		b.WriteString(",")
		parts := []string{}
		for _, m := range f.Match.Canonical() {
			parts = append(parts, refFieldString(m))
		}
		b.WriteString(strings.Join(parts, ","))
	}
	b.WriteString(",actions=")
	b.WriteString(refInstructions(f))
	return b.String()
}

func refInstructions(f Flow) string {
	if f.Meter != 0 {
		g := fmt.Sprintf("meter:%d", f.Meter)
		if rest := refInstructions(Flow{Actions: f.Actions, Goto: f.Goto}); rest != "drop" {
			g += "," + rest
		}
		return g
	}
	if f.Goto == 0 {
		return refActions(f.Actions)
	}
	g := fmt.Sprintf("goto_table:%d", f.Goto)
	if len(f.Actions) == 0 {
		return g
	}
	return refActions(f.Actions) + "," + g
}

func refActions(actions []Action) string {
	if len(actions) == 0 {
		return "drop"
	}
	parts := make([]string, len(actions))
	for i, a := range actions {
		parts[i] = refAction(a)
	}
	return strings.Join(parts, ",")
}

func refRange(r FieldRange) string {
	if r.Ofs == 0 && (r.NBits == 0 || r.NBits == r.Field.Bits()) {
		return r.Field.Name + "[]"
	}
	if r.Width() == 1 {
		return fmt.Sprintf("%s[%d]", r.Field.Name, r.Ofs)
	}
	return fmt.Sprintf("%s[%d..%d]", r.Field.Name, r.Ofs, r.Ofs+r.Width()-1)
}

func refAction(a Action) string {
	switch a := a.(type) {
	case Output:
		switch a.Port {
		case PortInPort:
			return "in_port"
		case PortNormal, PortLocal, PortFlood:
			return PortString(a.Port)
		}
		return fmt.Sprintf("output:%d", a.Port)
	case OutputReg:
		return "output:" + refRange(a.Src)
	case SetVLANVID:
		return fmt.Sprintf("set_field:%d->vlan_vid", VLANPresent|a.VID&0x0fff)
	case SetTunnelID:
		return fmt.Sprintf("set_field:0x%x->tun_id", a.ID)
	case SetTunnelDst:
		return fmt.Sprintf("set_field:%s->tun_dst", a.IP)
	case SetIPv4Dst:
		return fmt.Sprintf("set_field:%s->ip_dst", a.IP)
	case SetEthDst:
		return fmt.Sprintf("set_field:%s->eth_dst", a.MAC)
	case RegLoad:
		return fmt.Sprintf("load:0x%x->%s", a.Value, refRange(a.Dst))
	case RegMove:
		return fmt.Sprintf("move:%s->%s", refRange(a.Src), refRange(a.Dst))
	case Resubmit:
		return fmt.Sprintf("resubmit(,%d)", a.Table)
	case Group:
		return fmt.Sprintf("group:%d", a.ID)
	case CheckPktLarger:
		return fmt.Sprintf("check_pkt_larger(%d)->%s", a.Len, refRange(a.Dst))
	case Learn:
		return refLearn(a)
	}
	return a.String()
}

func refLearn(a Learn) string {
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
		parts = append(parts, "result_dst="+refRange(a.ResultDst))
	}
	for _, s := range a.Specs {
		switch s := s.(type) {
		case LearnMatchField:
			if s.Src == s.Dst {
				parts = append(parts, refRange(s.Dst))
			} else {
				parts = append(parts, refRange(s.Dst)+"="+refRange(s.Src))
			}
		case LearnMatchValue:
			parts = append(parts, fmt.Sprintf("%s=0x%x", refRange(s.Dst), s.Value))
		case LearnLoadField:
			parts = append(parts, fmt.Sprintf("load:%s->%s", refRange(s.Src), refRange(s.Dst)))
		case LearnLoadValue:
			parts = append(parts, fmt.Sprintf("load:0x%x->%s", s.Value, refRange(s.Dst)))
		case LearnOutputField:
			parts = append(parts, "output:"+refRange(s.Src))
		}
	}
	return "learn(" + strings.Join(parts, ",") + ")"
}

func refHex(b []byte) string {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return "0x" + strconv.FormatUint(v, 16)
}

func refFieldString(f MatchField) string {
	name := f.Name()
	switch {
	case f.Class == ClassOpenFlowBasic && f.Field == oxmVLANVID:
		v, m := binary.BigEndian.Uint16(pad(f.Value, 2)), uint16(0x1fff)
		if f.Mask != nil {
			m = binary.BigEndian.Uint16(pad(f.Mask, 2)) & 0x1fff
		}
		return fmt.Sprintf("vlan_tci=0x%04x/0x%04x", v&m, m)
	case f.Class == ClassOpenFlowBasic && (f.Field == oxmEthDst || f.Field == oxmEthSrc || f.Field == oxmARPSHA || f.Field == oxmNDSLL || f.Field == oxmNDTLL):
		s := name + "=" + net.HardwareAddr(f.Value).String()
		if f.Mask != nil {
			s += "/" + net.HardwareAddr(f.Mask).String()
		}
		return s
	case f.Class == ClassOpenFlowBasic && (f.Field == oxmIPv4Src || f.Field == oxmIPv4Dst || f.Field == oxmARPSPA || f.Field == oxmARPTPA),
		f.Class == ClassNXM1 && (f.Field == nxmTunIPv4Src || f.Field == nxmTunIPv4Dst),
		f.Class == ClassOpenFlowBasic && (f.Field == oxmIPv6Src || f.Field == oxmNDTgt):
		ip := net.IP(f.Value).String()
		if f.Mask == nil {
			return name + "=" + ip
		}
		ones, bits := net.IPMask(f.Mask).Size()
		if bits == 0 {
			return name + "=" + ip + "/" + net.IP(f.Mask).String()
		}
		return fmt.Sprintf("%s=%s/%d", name, ip, ones)
	case f.Class == ClassOpenFlowBasic && f.Field == oxmEthType:
		return fmt.Sprintf("dl_type=0x%04x", binary.BigEndian.Uint16(pad(f.Value, 2)))
	case f.Class == ClassOpenFlowBasic && (f.Field == oxmInPort || f.Field == oxmIPProto || f.Field == oxmUDPDst || f.Field == oxmUDPSrc || f.Field == oxmARPOp || f.Field == oxmICMPv6T):
		var v uint64
		for _, c := range f.Value {
			v = v<<8 | uint64(c)
		}
		return name + "=" + strconv.FormatUint(v, 10)
	}
	s := name + "=" + refHex(f.Value)
	if f.Mask != nil {
		s += "/" + refHex(f.Mask)
	}
	return s
}

// randText makes flows of every action, spec and field kind vtep prints,
// with lengths and values no switch would send (short, long and odd
// values, non-prefix masks, IPv4-mapped and nil addresses, ranges past
// their field).
type randText struct{ r *rand.Rand }

func (g randText) bytes(max int) []byte {
	b := make([]byte, g.r.IntN(max+1))
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	return b
}

func (g randText) ip() net.IP {
	switch g.r.IntN(5) {
	case 0:
		return nil
	case 1:
		return net.IPv4(byte(g.r.Uint32()), byte(g.r.Uint32()), 0, byte(g.r.Uint32())) // 16 bytes, IPv4-mapped
	case 2:
		return net.IP(g.bytes(17))
	}
	return net.IP{byte(g.r.Uint32()), 0, byte(g.r.Uint32()), 255}
}

func (g randText) rng() FieldRange {
	fields := []Field{FieldReg(g.r.IntN(16)), FieldTunID, FieldEthSrc, FieldInPort, FieldTunIPv4Src, FieldEthType, FieldARPSHA, FieldIPv6Src, FieldNDTLL, FieldNDReserved, FieldNDOptionsType, FieldICMPv6Type}
	return FieldRange{Field: fields[g.r.IntN(len(fields))], Ofs: uint16(g.r.IntN(70)), NBits: uint16(g.r.IntN(70))}
}

func (g randText) field() MatchField {
	classes := []uint16{ClassOpenFlowBasic, ClassOpenFlowBasic, ClassNXM1, 0x1234}
	f := MatchField{Class: classes[g.r.IntN(len(classes))], Field: uint8(g.r.IntN(40)), Value: g.bytes(17)}
	switch g.r.IntN(3) {
	case 0:
		f.Mask = g.bytes(17)
	case 1:
		ones := g.r.IntN(33)
		f.Value, f.Mask = g.bytes(4), net.CIDRMask(ones, 32)
	}
	return f
}

func (g randText) spec() LearnSpec {
	switch g.r.IntN(6) {
	case 0:
		r := g.rng()
		return LearnMatchField{Dst: r, Src: r}
	case 1:
		return LearnMatchField{Dst: g.rng(), Src: g.rng()}
	case 2:
		return LearnMatchValue{Dst: g.rng(), Value: g.r.Uint64()}
	case 3:
		return LearnLoadField{Src: g.rng(), Dst: g.rng()}
	case 4:
		return LearnLoadValue{Dst: g.rng(), Value: g.r.Uint64() >> g.r.IntN(64)}
	}
	return LearnOutputField{Src: g.rng()}
}

func (g randText) action() Action {
	ports := []uint32{PortInPort, PortNormal, PortFlood, PortLocal, PortAny, g.r.Uint32(), uint32(g.r.IntN(100))}
	switch g.r.IntN(15) {
	case 0:
		return Output{Port: ports[g.r.IntN(len(ports))]}
	case 1:
		return OutputReg{Src: g.rng()}
	case 2:
		return PushVLAN{}
	case 3:
		return PopVLAN{}
	case 4:
		return SetVLANVID{VID: uint16(g.r.Uint32())}
	case 5:
		return SetTunnelID{ID: g.r.Uint64() >> g.r.IntN(64)}
	case 6:
		return SetTunnelDst{IP: g.ip()}
	case 7:
		return SetIPv4Dst{IP: g.ip()}
	case 8:
		return SetEthDst{MAC: net.HardwareAddr(g.bytes(8))}
	case 9:
		return RegLoad{Dst: g.rng(), Value: g.r.Uint64() >> g.r.IntN(64)}
	case 10:
		return RegMove{Src: g.rng(), Dst: g.rng()}
	case 11:
		return Resubmit{Table: uint8(g.r.Uint32())}
	case 12:
		return Group{ID: g.r.Uint32()}
	case 13:
		return CheckPktLarger{Len: uint16(g.r.Uint32()), Dst: g.rng()}
	}
	l := Learn{Table: uint8(g.r.Uint32()), Priority: uint16(g.r.Uint32()), Cookie: g.r.Uint64() >> g.r.IntN(64)}
	if g.r.IntN(2) == 0 {
		l.IdleTimeout, l.HardTimeout, l.Limit, l.ResultDst = uint16(g.r.Uint32()), uint16(g.r.Uint32()), g.r.Uint32(), g.rng()
	}
	for range g.r.IntN(5) {
		l.Specs = append(l.Specs, g.spec())
	}
	return l
}

func (g randText) flow() Flow {
	f := Flow{Table: uint8(g.r.Uint32()), Priority: uint16(g.r.Uint32())}
	if g.r.IntN(2) == 0 {
		f.Cookie, f.IdleTimeout, f.HardTimeout = g.r.Uint64()>>g.r.IntN(64), uint16(g.r.IntN(3)), uint16(g.r.IntN(3))
		f.Goto, f.Meter = uint8(g.r.IntN(3)), uint32(g.r.IntN(3))
	}
	for range g.r.IntN(6) {
		f.Match = append(f.Match, g.field())
	}
	for range g.r.IntN(6) {
		f.Actions = append(f.Actions, g.action())
	}
	return f
}

// TestTextAsReference checks that the append printers print every flow,
// match and action byte for byte as the fmt-based printers did.
func TestTextAsReference(t *testing.T) {
	g := randText{r: rand.New(rand.NewPCG(1, 2))}
	buf := []byte("prefix:")
	for i := range 20000 {
		f := g.flow()
		want := refFlowString(f)
		if got := f.String(); got != want {
			t.Fatalf("flow %d:\n got %s\nwant %s", i, got, want)
		}
		if got := string(f.AppendText(buf)); got != "prefix:"+want {
			t.Fatalf("flow %d appended: got %s, want prefix:%s", i, got, want)
		}
		if got, want := f.ActionsString(), refInstructions(f); got != want {
			t.Fatalf("flow %d actions: got %s, want %s", i, got, want)
		}
		for _, a := range f.Actions {
			if got, want := a.String(), refAction(a); got != want {
				t.Fatalf("action: got %s, want %s", got, want)
			}
		}
	}
}

// TestTextAllocations checks that appending a flow's text to a buffer with
// room allocates nothing: the pipeline digests every flow it builds.
func TestTextAllocations(t *testing.T) {
	t.Helper()
	f := Flow{Table: 20, Priority: 100, Cookie: 0x4700000a, HardTimeout: 300, Goto: 40,
		Match: Match{MatchInPort(3), MatchReg(0, 10, 0xffffff), MatchEthSrcMasked(net.HardwareAddr{0, 0, 0, 0, 0, 0}, net.HardwareAddr{1, 0, 0, 0, 0, 0})},
		Actions: []Action{PopVLAN{}, RegLoad{Dst: Bits(FieldReg(0), 0, 24), Value: 10}, Learn{Table: 30, Priority: 100, HardTimeout: 300, Cookie: 0xc2000003, Specs: []LearnSpec{
			LearnMatchField{Dst: Bits(FieldReg(0), 0, 24), Src: Bits(FieldReg(0), 0, 24)}, LearnLoadValue{Dst: Whole(FieldReg(2)), Value: 0}}},
			SetTunnelDst{IP: net.IP{239, 1, 0, 1}}, Resubmit{Table: 30}}}
	buf := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() { buf = f.AppendText(buf[:0]) }); n != 0 {
		t.Fatalf("AppendText: %v allocations, want 0", n)
	}
}
