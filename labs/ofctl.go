package labs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vtep/vtep/pipeline"
)

// Parsers of ovs-ofctl output: what OVS itself reports, read independently
// of vtepd.

// Flow is one line of `ovs-ofctl -O OpenFlow13 dump-flows`.
type Flow struct {
	Cookie   pipeline.Cookie
	Table    int
	Priority int
	// Match is the match as ovs-ofctl prints it (without priority);
	// Fields holds its key=value parts (a bare key such as "arp" maps to "").
	Match    string
	Fields   map[string]string
	Actions  string
	Packets  uint64
	Duration time.Duration
}

// Key identifies a flow in its table: what OVS replaces on an add.
func (f Flow) Key() string {
	return fmt.Sprintf("table=%d,priority=%d,%s", f.Table, f.Priority, f.Match)
}

// flowStatKeys are the fields ovs-ofctl prints before the match, separated
// by ", ".
var flowStatKeys = map[string]bool{
	"cookie": true, "duration": true, "table": true, "n_packets": true, "n_bytes": true,
	"idle_timeout": true, "hard_timeout": true, "idle_age": true, "hard_age": true,
	"importance": true, "send_flow_rem": true, "reset_counts": true, "no_packet_counts": true,
	"no_byte_counts": true, "check_overlap": true,
}

// ParseFlowLine reads one flow line of `ovs-ofctl -O OpenFlow13 dump-flows`.
// A line that is not a flow is an error naming the line and the part.
func ParseFlowLine(line string) (Flow, error) {
	f := Flow{Priority: 0x8000, Fields: map[string]string{}}
	line = strings.TrimSpace(line)
	head, actions, ok := strings.Cut(line, " actions=")
	if !ok {
		return f, fmt.Errorf("flow line %q: no actions", line)
	}
	f.Actions = actions
	var match string
	for _, p := range strings.Split(head, ", ") {
		k, v, _ := strings.Cut(p, "=")
		if !flowStatKeys[k] {
			if match != "" {
				return f, fmt.Errorf("flow line %q: two match parts %q and %q", line, match, p)
			}
			match = p
			continue
		}
		if err := f.setStat(k, v); err != nil {
			return f, fmt.Errorf("flow line %q: %s: %w", line, k, err)
		}
	}
	var rest []string
	for _, kv := range strings.Split(match, ",") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if k == "priority" {
			p, err := strconv.Atoi(v)
			if err != nil {
				return f, fmt.Errorf("flow line %q: priority: %w", line, err)
			}
			f.Priority = p
			continue
		}
		f.Fields[k] = v
		rest = append(rest, kv)
	}
	f.Match = strings.Join(rest, ",")
	return f, nil
}

// setStat sets one of the statistics printed before the match.
func (f *Flow) setStat(k, v string) error {
	var err error
	switch k {
	case "cookie":
		var c uint64
		c, err = strconv.ParseUint(strings.TrimPrefix(v, "0x"), 16, 64)
		f.Cookie = pipeline.Cookie(c)
	case "duration":
		var s float64
		s, err = strconv.ParseFloat(strings.TrimSuffix(v, "s"), 64)
		f.Duration = time.Duration(s * float64(time.Second))
	case "table":
		f.Table, err = strconv.Atoi(v)
	case "n_packets":
		f.Packets, err = strconv.ParseUint(v, 10, 64)
	}
	return err
}

// ParseFlows reads a whole dump, skipping the reply header and any other
// line without actions. A flow line it cannot read is an error.
func ParseFlows(out string) ([]Flow, error) {
	var fs []Flow
	for _, l := range strings.Split(out, "\n") {
		if !strings.Contains(l, " actions=") {
			continue
		}
		f, err := ParseFlowLine(l)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// regLoadRe matches a load of an immediate into a register as ovs-ofctl
// prints it: Nicira reg_load (load:V->NXM_NX_REGn[] or [a..b]) or an
// OpenFlow 1.3 set_field (set_field:V->regn).
var regLoadRe = regexp.MustCompile(`(?:load:(0x[0-9a-fA-F]+|\d+)->NXM_NX_REG(\d+)\[(?:(\d+)\.\.\d+)?\]|set_field:(0x[0-9a-fA-F]+|\d+)->reg(\d+))`)

// Learned returns the values of a learned flow, for pipeline.DecodeLearned:
// the match on reg0 and dl_dst, and the register loads of the actions.
// Values it cannot read are left out, for DecodeLearned to refuse.
func (f Flow) Learned() pipeline.LearnedFlow {
	lf := pipeline.LearnedFlow{Cookie: f.Cookie, Loads: map[int]uint64{}}
	if v, ok := f.Fields["reg0"]; ok {
		val, _, _ := strings.Cut(v, "/")
		if n, err := strconv.ParseUint(val, 0, 32); err == nil {
			lf.VNI, lf.HasVNI = uint32(n), true
		}
	}
	if mac, err := net.ParseMAC(f.Fields["dl_dst"]); err == nil {
		lf.MAC = mac
	}
	for _, m := range regLoadRe.FindAllStringSubmatch(f.Actions, -1) {
		val, reg, ofs := m[1], m[2], m[3]
		if val == "" {
			val, reg, ofs = m[4], m[5], ""
		}
		v, err := strconv.ParseUint(val, 0, 64)
		r, rerr := strconv.Atoi(reg)
		if err != nil || rerr != nil {
			continue
		}
		if ofs != "" {
			if n, err := strconv.Atoi(ofs); err == nil && n < 32 {
				v <<= n
			}
		}
		lf.Loads[r] = v
	}
	return lf
}

// LearnedEntry is one MAC a hypervisor's OVS learned: a flow its learn
// actions put into table mac.
type LearnedEntry struct {
	pipeline.LearnedMAC
	// PortName names Port from the bridge's port descriptions (the number
	// when unknown).
	PortName string
	// Age is the time since the entry was learned.
	Age time.Duration
	// Hits counts the frames sent to the MAC.
	Hits uint64
}

// Where says where the MAC is: "VTEP IP" or "local port NAME".
func (e LearnedEntry) Where() string {
	if e.Remote {
		return "VTEP " + e.VTEP.String()
	}
	return "local port " + e.PortName
}

// ParseLearned reads the learned entries out of `ovs-ofctl dump-flows
// BRIDGE table=30`, sorted by VNI and MAC; other flows are skipped. ports
// maps OpenFlow port numbers to names. A learned flow of the wrong shape is
// an error naming it.
func ParseLearned(dump string, ports map[uint32]string) ([]LearnedEntry, error) {
	fs, err := ParseFlows(dump)
	if err != nil {
		return nil, err
	}
	var out []LearnedEntry
	for _, f := range fs {
		m, err := pipeline.DecodeLearned(f.Learned())
		if errors.Is(err, pipeline.ErrNotLearned) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Key(), err)
		}
		e := LearnedEntry{LearnedMAC: m, Age: f.Duration, Hits: f.Packets, PortName: strconv.FormatUint(uint64(m.Port), 10)}
		if name, ok := ports[m.Port]; ok {
			e.PortName = name
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].VNI != out[j].VNI {
			return out[i].VNI < out[j].VNI
		}
		return out[i].MAC.String() < out[j].MAC.String()
	})
	return out, nil
}

var portDescRe = regexp.MustCompile(`(?m)^\s*(\d+)\(([^)]+)\):`)

// ParsePortDescs maps port numbers to names in `ovs-ofctl dump-ports-desc`;
// other lines (LOCAL, properties) are skipped.
func ParsePortDescs(out string) map[uint32]string {
	ports := map[uint32]string{}
	for _, m := range portDescRe.FindAllStringSubmatch(out, -1) {
		if n, err := strconv.ParseUint(m[1], 10, 32); err == nil {
			ports[uint32(n)] = m[2]
		}
	}
	return ports
}

// Learned reads the learned MAC table of a bridge of this OVS instance.
func (o *OVS) Learned(ctx context.Context, bridge string) ([]LearnedEntry, error) {
	dump, err := o.Ofctl(ctx, "dump-flows", bridge, fmt.Sprintf("table=%d", pipeline.TableMAC))
	if err != nil {
		return nil, err
	}
	descs, err := o.Ofctl(ctx, "dump-ports-desc", bridge)
	if err != nil {
		return nil, err
	}
	es, err := ParseLearned(dump, ParsePortDescs(descs))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", o.Name, bridge, err)
	}
	return es, nil
}

// FindLearned returns the entry for a MAC (any case) in a VNI.
func FindLearned(es []LearnedEntry, mac string, vni uint32) (LearnedEntry, bool) {
	for _, e := range es {
		if e.VNI == vni && strings.EqualFold(e.MAC.String(), mac) {
			return e, true
		}
	}
	return LearnedEntry{}, false
}
