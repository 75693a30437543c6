package pipelinetest

import (
	"fmt"
	"net"
	"sort"
	"time"

	"github.com/vtep/vtep/ofapp"
)

// Packet is a frame entering the switch.
type Packet struct {
	InPort  uint32
	VLAN    uint16 // 802.1Q VLAN ID; 0 = untagged
	EthSrc  net.HardwareAddr
	EthDst  net.HardwareAddr
	EthType uint16 // 0x0800 IPv4, 0x0806 ARP, ...
	IPDst   net.IP // IPv4 destination (IPv4) or target protocol address (ARP)
	// IPv4 fields of an IPv4 frame (EthType 0x0800): its source, protocol
	// and, for UDP (IPProto 17), its ports.
	IPSrc   net.IP
	IPProto uint8
	UDPSrc  uint16
	UDPDst  uint16
	TunID   uint64 // tunnel metadata of a packet received from a tunnel port
	TunSrc  net.IP
	// ARP fields of an ARP frame (EthType 0x0806); IPDst is its target
	// protocol address.
	ARPOp  uint16
	ARPSPA net.IP
	ARPSHA net.HardwareAddr
	ARPTHA net.HardwareAddr
	// Len is the frame's length in bytes as it arrives, tags included;
	// 0: a small frame (64 bytes, 68 tagged).
	Len int
}

// defaultLen is the length of a frame whose Packet.Len is 0.
const defaultLen = 64

// Output is one copy of a frame leaving the switch.
type Output struct {
	Port    uint32
	VLAN    uint16 // 0 = untagged
	EthSrc  net.HardwareAddr
	EthDst  net.HardwareAddr
	EthType uint16
	IPDst   net.IP // IPv4 destination or ARP target
	IPSrc   net.IP // IPv4 source
	TunID   uint64 // tunnel metadata set for the copy (meaningful on tunnel ports)
	TunDst  net.IP
	// ARP fields of an ARP frame as it leaves (IPDst is the target).
	ARPOp  uint16
	ARPSPA net.IP
	ARPSHA net.HardwareAddr
	ARPTHA net.HardwareAddr
}

func (o Output) String() string {
	s := fmt.Sprintf("port %d", o.Port)
	if o.VLAN != 0 {
		s += fmt.Sprintf(" vlan %d", o.VLAN)
	}
	if o.TunID != 0 || !o.TunDst.Equal(net.IPv4zero) {
		s += fmt.Sprintf(" tun_id %d tun_dst %s", o.TunID, o.TunDst)
	}
	return s
}

// Trace is what happened to one packet.
type Trace struct {
	// Outputs are the copies that left the switch, in order.
	Outputs []Output
	// Skipped are the ports of output actions that named the input port:
	// OVS drops those copies and logs "skipping output to input port".
	Skipped []uint32
	// Flows are the flows the packet matched, in the order it matched them.
	Flows []ofapp.Flow
}

// Hit returns the first matched flow of a table.
func (t Trace) Hit(table uint8) (ofapp.Flow, bool) {
	for _, f := range t.Flows {
		if f.Table == table {
			return f, true
		}
	}
	return ofapp.Flow{}, false
}

// Ports returns the output port numbers in order.
func (t Trace) Ports() []uint32 {
	var out []uint32
	for _, o := range t.Outputs {
		out = append(out, o.Port)
	}
	return out
}

type entry struct {
	flow    ofapp.Flow
	key     string
	packets int
	// Simulated times (see Advance): when the flow was added, last
	// modified or refreshed by a learn action (hard timeout), and last
	// matched (idle timeout).
	created, modified, used time.Duration
}

// Switch is a simulated OpenFlow switch holding flow tables and groups.
type Switch struct {
	tables map[uint8][]*entry
	groups map[uint32]ofapp.GroupEntry
	meters map[uint32]ofapp.MeterEntry
	now    time.Duration // simulated clock, see Advance
}

// New returns a switch with these flows and groups installed.
func New(flows []ofapp.Flow, groups []ofapp.GroupEntry) *Switch {
	s := &Switch{tables: make(map[uint8][]*entry), groups: make(map[uint32]ofapp.GroupEntry), meters: make(map[uint32]ofapp.MeterEntry)}
	for _, f := range flows {
		s.Add(f)
	}
	for _, g := range groups {
		s.groups[g.ID] = g
	}
	return s
}

// Add installs a flow, replacing one with the same table, priority and match
// (as OVS does for add-flow and learn). Either way the flow counts as
// modified now, which restarts its hard timeout; a replaced flow keeps its
// creation time, as OVS's modify semantics (and learn) do.
func (s *Switch) Add(f ofapp.Flow) {
	k := f.Match.String()
	t := s.tables[f.Table]
	for _, e := range t {
		if e.flow.Priority == f.Priority && e.key == k {
			e.flow, e.modified = f, s.now
			return
		}
	}
	t = append(t, &entry{flow: f, key: k, created: s.now, modified: s.now, used: s.now})
	sort.SliceStable(t, func(i, j int) bool { return t[i].flow.Priority > t[j].flow.Priority })
	s.tables[f.Table] = t
}

// runLearn adds or refreshes the flow a learn action makes of the packet,
// unless its limit refuses, and writes the result to its result_dst.
func (s *Switch) runLearn(a ofapp.Learn, st *state) error {
	f, err := st.learn(a)
	if err != nil {
		return err
	}
	ok := s.belowLimit(f, a.Limit)
	if ok {
		s.Add(f)
	}
	if a.ResultDst.Field.Bytes == 0 {
		return nil
	}
	var v uint64
	if ok {
		v = 1
	}
	return st.write(a.ResultDst, v)
}

// belowLimit reports whether a learn action with this limit may add or
// refresh f, as OVS decides it: a flow that is already there is refreshed
// whatever the limit; a new one is added only while the table holds fewer
// than limit flows with f's cookie (0: no limit).
func (s *Switch) belowLimit(f ofapp.Flow, limit uint32) bool {
	if limit == 0 {
		return true
	}
	k, n := f.Match.String(), uint32(0)
	for _, e := range s.tables[f.Table] {
		if e.flow.Priority == f.Priority && e.key == k {
			return true
		}
		if e.flow.Cookie == f.Cookie {
			n++
		}
	}
	return n < limit
}

// Flows returns the flows of a table, highest priority first, learned
// ones included.
func (s *Switch) Flows(table uint8) []ofapp.Flow {
	var out []ofapp.Flow
	for _, e := range s.tables[table] {
		out = append(out, e.flow)
	}
	return out
}

// Packets returns how many packets matched the flow with this key (the
// flow's n_packets counter).
func (s *Switch) Packets(k ofapp.Key) int {
	for _, e := range s.tables[k.Table] {
		if e.flow.Priority == k.Priority && e.key == k.Match {
			return e.packets
		}
	}
	return 0
}

// Run sends one packet through the switch, starting at table 0.
func (s *Switch) Run(p Packet) (Trace, error) {
	st, err := newState(p)
	if err != nil {
		return Trace{}, err
	}
	var tr Trace
	err = s.table(0, st, &tr, 0)
	return tr, err
}

const maxDepth = 32

func (s *Switch) table(id uint8, st *state, tr *Trace, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("pipelinetest: more than %d table lookups", maxDepth)
	}
	var hit *entry
	for _, e := range s.tables[id] {
		if hit != nil && e.flow.Priority < hit.flow.Priority {
			break
		}
		ok, err := st.matches(e.flow.Match)
		if err != nil {
			return fmt.Errorf("pipelinetest: flow %s: %w", e.flow, err)
		}
		if !ok {
			continue
		}
		if hit != nil {
			return fmt.Errorf("pipelinetest: table %d: flows of equal priority both match:\n  %s\n  %s", id, hit.flow, e.flow)
		}
		hit = e
	}
	if hit == nil {
		return nil // OpenFlow 1.3 table miss: drop
	}
	hit.packets++
	hit.used = s.now
	tr.Flows = append(tr.Flows, hit.flow)
	if err := s.apply(hit.flow.Actions, st, tr, depth); err != nil {
		return fmt.Errorf("pipelinetest: flow %s: %w", hit.flow, err)
	}
	if hit.flow.Goto != 0 {
		return s.table(hit.flow.Goto, st, tr, depth+1)
	}
	return nil
}

func (s *Switch) apply(actions []ofapp.Action, st *state, tr *Trace, depth int) error {
	for _, a := range actions {
		if done, err := st.rewrite(a); done {
			if err != nil {
				return err
			}
			continue
		}
		switch a := a.(type) {
		case ofapp.Output:
			st.output(a.Port, tr)
		case ofapp.OutputReg:
			v, err := st.read(a.Src)
			if err != nil {
				return err
			}
			st.output(uint32(v), tr)
		case ofapp.RegLoad:
			if err := st.write(a.Dst, a.Value); err != nil {
				return err
			}
		case ofapp.RegMove:
			v, err := st.read(a.Src)
			if err != nil {
				return err
			}
			if err := st.write(a.Dst, v); err != nil {
				return err
			}
		case ofapp.Resubmit:
			if err := s.table(a.Table, st, tr, depth+1); err != nil {
				return err
			}
		case ofapp.Group:
			g, ok := s.groups[a.ID]
			if !ok {
				return fmt.Errorf("group %d does not exist", a.ID)
			}
			if g.Type != ofapp.GroupAll {
				return fmt.Errorf("group %d: only type all is simulated", a.ID)
			}
			for _, b := range g.Buckets {
				c := *st
				if err := s.apply(b.Actions, &c, tr, depth+1); err != nil {
					return fmt.Errorf("group %d: %w", a.ID, err)
				}
			}
		case ofapp.Learn:
			if err := s.runLearn(a, st); err != nil {
				return err
			}
		default:
			return fmt.Errorf("action %s is not simulated", a)
		}
	}
	return nil
}

// rewrite applies an action that only rewrites the frame (VLAN tag,
// tunnel and header fields, the size check); done is false for others.
func (st *state) rewrite(a ofapp.Action) (done bool, err error) {
	switch a := a.(type) {
	case ofapp.PushVLAN:
		if st.v[slotVLAN] != 0 {
			return true, fmt.Errorf("push_vlan on a tagged frame (no QinQ here)")
		}
		st.v[slotVLAN] = uint64(ofapp.VLANPresent)
		st.n += 4
	case ofapp.PopVLAN:
		if st.v[slotVLAN] == 0 {
			return true, fmt.Errorf("pop_vlan on an untagged frame")
		}
		st.v[slotVLAN] = 0
		st.n -= 4
	case ofapp.CheckPktLarger:
		larger := uint64(0)
		if st.n > int(a.Len) {
			larger = 1
		}
		if err := st.write(a.Dst, larger); err != nil {
			return true, err
		}
	case ofapp.SetVLANVID:
		if st.v[slotVLAN] == 0 {
			return true, fmt.Errorf("set vlan_vid on an untagged frame")
		}
		st.v[slotVLAN] = uint64(ofapp.VLANPresent | a.VID&0xfff)
	case ofapp.SetTunnelID:
		st.v[slotTunID] = a.ID
	case ofapp.SetTunnelDst:
		st.v[slotTunDst] = ip4(a.IP)
	case ofapp.SetIPv4Dst:
		if !st.ok[slotIPv4Dst] {
			return true, fmt.Errorf("set ip_dst on a non-IPv4 frame")
		}
		st.v[slotIPv4Dst] = ip4(a.IP)
	case ofapp.SetEthDst:
		st.v[slotEthDst] = mac48(a.MAC)
	default:
		return false, nil
	}
	return true, nil
}
