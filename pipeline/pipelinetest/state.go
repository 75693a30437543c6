package pipelinetest

import (
	"encoding/binary"
	"fmt"
	"net"

	"github.com/vtep/vtep/ofapp"
)

// A packet's state on its way through the switch: its fields and registers
// as numbers, how matches and field ranges read and write them, and the
// flow a learn action makes from them.

// slots hold packet fields and metadata, each as a number.
const (
	slotInPort = iota
	slotEthDst
	slotEthSrc
	slotEthType
	slotVLAN // OXM form: VLANPresent|vid, 0 = untagged
	slotIPProto
	slotIPv4Dst
	slotARPTPA
	slotARPOp
	slotARPSPA
	slotARPSHA
	slotARPTHA
	slotIPv4Src
	slotUDPSrc
	slotUDPDst
	slotTunID
	slotTunSrc
	slotTunDst
	slotReg0
	numSlots = slotReg0 + 16
)

type state struct {
	v  [numSlots]uint64
	ok [numSlots]bool
	// n is the frame's length in bytes (check_pkt_larger), VLAN tags
	// pushed and popped included.
	n int
}

func newState(p Packet) (*state, error) {
	st := &state{n: p.Len}
	if st.n == 0 {
		st.n = defaultLen
		if p.VLAN != 0 {
			st.n += 4
		}
	}
	for _, i := range []int{slotInPort, slotEthDst, slotEthSrc, slotEthType, slotVLAN, slotTunID, slotTunSrc, slotTunDst} {
		st.ok[i] = true
	}
	for i := slotReg0; i < numSlots; i++ {
		st.ok[i] = true
	}
	if p.InPort == 0 {
		return nil, fmt.Errorf("pipelinetest: packet without an in_port")
	}
	if p.VLAN > 4095 {
		return nil, fmt.Errorf("pipelinetest: VLAN %d", p.VLAN)
	}
	st.v[slotInPort] = uint64(p.InPort)
	st.v[slotEthDst] = mac48(p.EthDst)
	st.v[slotEthSrc] = mac48(p.EthSrc)
	st.v[slotEthType] = uint64(p.EthType)
	if p.VLAN != 0 {
		st.v[slotVLAN] = uint64(ofapp.VLANPresent | p.VLAN)
	}
	st.v[slotTunID] = p.TunID
	st.v[slotTunSrc] = ip4(p.TunSrc)
	switch p.EthType {
	case 0x0800:
		st.ok[slotIPv4Dst], st.ok[slotIPv4Src], st.ok[slotIPProto] = true, true, true
		st.v[slotIPv4Dst], st.v[slotIPv4Src], st.v[slotIPProto] = ip4(p.IPDst), ip4(p.IPSrc), uint64(p.IPProto)
		if p.IPProto == 17 {
			st.ok[slotUDPSrc], st.ok[slotUDPDst] = true, true
			st.v[slotUDPSrc], st.v[slotUDPDst] = uint64(p.UDPSrc), uint64(p.UDPDst)
		}
	case 0x0806:
		for _, i := range []int{slotARPTPA, slotARPOp, slotARPSPA, slotARPSHA, slotARPTHA} {
			st.ok[i] = true
		}
		st.v[slotARPTPA] = ip4(p.IPDst)
		st.v[slotARPOp] = uint64(p.ARPOp)
		st.v[slotARPSPA] = ip4(p.ARPSPA)
		st.v[slotARPSHA] = mac48(p.ARPSHA)
		st.v[slotARPTHA] = mac48(p.ARPTHA)
	}
	return st, nil
}

func (st *state) output(port uint32, tr *Trace) {
	if port == ofapp.PortInPort {
		port = uint32(st.v[slotInPort])
	} else if uint64(port) == st.v[slotInPort] {
		// OpenFlow never sends a frame back where it came from unless told
		// IN_PORT; OVS logs each such skipped output.
		tr.Skipped = append(tr.Skipped, port)
		return
	}
	o := Output{Port: port, EthSrc: macOf(st.v[slotEthSrc]), EthDst: macOf(st.v[slotEthDst]), EthType: uint16(st.v[slotEthType]),
		TunID: st.v[slotTunID], TunDst: ipOf(st.v[slotTunDst])}
	if st.v[slotVLAN] != 0 {
		o.VLAN = uint16(st.v[slotVLAN]) & 0xfff
	}
	if st.ok[slotIPv4Dst] {
		o.IPDst, o.IPSrc = ipOf(st.v[slotIPv4Dst]), ipOf(st.v[slotIPv4Src])
	} else if st.ok[slotARPTPA] {
		o.IPDst = ipOf(st.v[slotARPTPA])
		o.ARPOp, o.ARPSPA = uint16(st.v[slotARPOp]), ipOf(st.v[slotARPSPA])
		o.ARPSHA, o.ARPTHA = macOf(st.v[slotARPSHA]), macOf(st.v[slotARPTHA])
	}
	tr.Outputs = append(tr.Outputs, o)
}

// fieldSlot maps an OXM/NXM class and field to a slot and its width in bits.
func fieldSlot(class uint16, field uint8) (slot int, bits uint, ok bool) {
	switch class {
	case ofapp.ClassOpenFlowBasic:
		switch field {
		case 0:
			return slotInPort, 32, true
		case 3:
			return slotEthDst, 48, true
		case 4:
			return slotEthSrc, 48, true
		case 5:
			return slotEthType, 16, true
		case 6:
			return slotVLAN, 16, true
		case 10:
			return slotIPProto, 8, true
		case 11:
			return slotIPv4Src, 32, true
		case 12:
			return slotIPv4Dst, 32, true
		case 15:
			return slotUDPSrc, 16, true
		case 16:
			return slotUDPDst, 16, true
		case 21:
			return slotARPOp, 16, true
		case 22:
			return slotARPSPA, 32, true
		case 23:
			return slotARPTPA, 32, true
		case 24:
			return slotARPSHA, 48, true
		case 25:
			return slotARPTHA, 48, true
		case 38:
			return slotTunID, 64, true
		}
	case ofapp.ClassNXM0:
		switch field {
		case 0:
			return slotInPort, 16, true
		case 1:
			return slotEthDst, 48, true
		case 2:
			return slotEthSrc, 48, true
		case 3:
			return slotEthType, 16, true
		case 4:
			return slotVLAN, 16, true
		case 6:
			return slotIPProto, 8, true
		case 7:
			return slotIPv4Src, 32, true
		case 8:
			return slotIPv4Dst, 32, true
		case 11:
			return slotUDPSrc, 16, true
		case 12:
			return slotUDPDst, 16, true
		case 15:
			return slotARPOp, 16, true
		case 16:
			return slotARPSPA, 32, true
		case 17:
			return slotARPTPA, 32, true
		}
	case ofapp.ClassNXM1:
		switch {
		case field == 17:
			return slotARPSHA, 48, true
		case field == 18:
			return slotARPTHA, 48, true
		case field <= 15:
			return slotReg0 + int(field), 32, true
		case field == 16:
			return slotTunID, 64, true
		case field == 31:
			return slotTunSrc, 32, true
		case field == 32:
			return slotTunDst, 32, true
		}
	}
	return 0, 0, false
}

func (st *state) matches(m ofapp.Match) (bool, error) {
	for _, f := range m {
		slot, bits, ok := fieldSlot(f.Class, f.Field)
		if !ok {
			return false, fmt.Errorf("match field %s is not simulated", f.Name())
		}
		if !st.ok[slot] {
			return false, nil
		}
		v := be(f.Value)
		mask := ones(bits)
		if f.Mask != nil {
			mask = be(f.Mask)
		}
		if st.v[slot]&mask != v&mask {
			return false, nil
		}
	}
	return true, nil
}

func rangeOf(r ofapp.FieldRange) (slot int, ofs, n uint, err error) {
	slot, bits, ok := fieldSlot(r.Field.Class, r.Field.Field)
	if !ok {
		return 0, 0, 0, fmt.Errorf("field %s is not simulated", r.Field.Name)
	}
	if err := r.Validate(); err != nil {
		return 0, 0, 0, err
	}
	if uint(r.Field.Bits()) != bits && !(slot == slotInPort && r.Field.Bits() == 16) {
		return 0, 0, 0, fmt.Errorf("field %s: width %d, simulated as %d", r.Field.Name, r.Field.Bits(), bits)
	}
	return slot, uint(r.Ofs), uint(r.Width()), nil
}

func (st *state) read(r ofapp.FieldRange) (uint64, error) {
	slot, ofs, n, err := rangeOf(r)
	if err != nil {
		return 0, err
	}
	return st.v[slot] >> ofs & ones(n), nil
}

func (st *state) write(r ofapp.FieldRange, v uint64) error {
	slot, ofs, n, err := rangeOf(r)
	if err != nil {
		return err
	}
	if !st.ok[slot] {
		return fmt.Errorf("write to %s, absent from this packet", r)
	}
	m := ones(n) << ofs
	st.v[slot] = st.v[slot]&^m | v<<ofs&m
	return nil
}

// learn builds the flow a learn action adds for the current packet.
func (st *state) learn(a ofapp.Learn) (ofapp.Flow, error) {
	f := ofapp.Flow{Table: a.Table, Priority: a.Priority, IdleTimeout: a.IdleTimeout, HardTimeout: a.HardTimeout, Cookie: a.Cookie}
	for _, spec := range a.Specs {
		switch spec := spec.(type) {
		case ofapp.LearnMatchField:
			v, err := st.read(spec.Src)
			if err != nil {
				return f, err
			}
			mf, err := matchOn(spec.Dst, v)
			if err != nil {
				return f, err
			}
			f.Match = append(f.Match, mf)
		case ofapp.LearnMatchValue:
			mf, err := matchOn(spec.Dst, spec.Value)
			if err != nil {
				return f, err
			}
			f.Match = append(f.Match, mf)
		case ofapp.LearnLoadField:
			v, err := st.read(spec.Src)
			if err != nil {
				return f, err
			}
			f.Actions = append(f.Actions, ofapp.RegLoad{Dst: spec.Dst, Value: v})
		case ofapp.LearnLoadValue:
			f.Actions = append(f.Actions, ofapp.RegLoad{Dst: spec.Dst, Value: spec.Value})
		case ofapp.LearnOutputField:
			v, err := st.read(spec.Src)
			if err != nil {
				return f, err
			}
			f.Actions = append(f.Actions, ofapp.Output{Port: uint32(v)})
		default:
			return f, fmt.Errorf("learn spec %s is not simulated", spec)
		}
	}
	return f, nil
}

// matchOn makes the match field a learned flow uses for a field range, in
// the same form ofapp's constructors produce (OpenFlow basic class for
// packet fields, Nicira class for registers and tunnel addresses).
func matchOn(r ofapp.FieldRange, v uint64) (ofapp.MatchField, error) {
	slot, ofs, n, err := rangeOf(r)
	if err != nil {
		return ofapp.MatchField{}, err
	}
	var mf ofapp.MatchField
	var bytes int
	switch slot {
	case slotInPort:
		mf, bytes = ofapp.MatchField{Class: ofapp.ClassOpenFlowBasic, Field: 0}, 4
	case slotEthDst:
		mf, bytes = ofapp.MatchField{Class: ofapp.ClassOpenFlowBasic, Field: 3}, 6
	case slotEthSrc:
		mf, bytes = ofapp.MatchField{Class: ofapp.ClassOpenFlowBasic, Field: 4}, 6
	case slotVLAN:
		mf, bytes = ofapp.MatchField{Class: ofapp.ClassOpenFlowBasic, Field: 6}, 2
	case slotEthType:
		mf, bytes = ofapp.MatchField{Class: ofapp.ClassOpenFlowBasic, Field: 5}, 2
	case slotIPProto:
		mf, bytes = ofapp.MatchField{Class: ofapp.ClassOpenFlowBasic, Field: 10}, 1
	case slotIPv4Src:
		mf, bytes = ofapp.MatchField{Class: ofapp.ClassOpenFlowBasic, Field: 11}, 4
	case slotIPv4Dst:
		mf, bytes = ofapp.MatchField{Class: ofapp.ClassOpenFlowBasic, Field: 12}, 4
	case slotUDPSrc:
		mf, bytes = ofapp.MatchField{Class: ofapp.ClassOpenFlowBasic, Field: 15}, 2
	case slotUDPDst:
		mf, bytes = ofapp.MatchField{Class: ofapp.ClassOpenFlowBasic, Field: 16}, 2
	case slotARPSPA:
		mf, bytes = ofapp.MatchField{Class: ofapp.ClassOpenFlowBasic, Field: 22}, 4
	case slotARPTPA:
		mf, bytes = ofapp.MatchField{Class: ofapp.ClassOpenFlowBasic, Field: 23}, 4
	case slotTunID:
		mf, bytes = ofapp.MatchField{Class: ofapp.ClassOpenFlowBasic, Field: 38}, 8
	case slotTunSrc, slotTunDst:
		mf, bytes = ofapp.MatchField{Class: ofapp.ClassNXM1, Field: r.Field.Field}, 4
	default:
		if slot < slotReg0 {
			return mf, fmt.Errorf("learned match on %s is not simulated", r)
		}
		mf, bytes = ofapp.MatchField{Class: ofapp.ClassNXM1, Field: uint8(slot - slotReg0)}, 4
	}
	mask := ones(n) << ofs
	mf.Value = put(v<<ofs&mask, bytes)
	if mask != ones(uint(bytes)*8) {
		mf.Mask = put(mask, bytes)
	}
	return mf, nil
}

func ones(n uint) uint64 {
	if n >= 64 {
		return ^uint64(0)
	}
	return 1<<n - 1
}

func be(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

func put(v uint64, n int) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b[8-n:]
}

func mac48(m net.HardwareAddr) uint64 { return be(m) }

func macOf(v uint64) net.HardwareAddr { return net.HardwareAddr(put(v, 6)) }

func ip4(ip net.IP) uint64 {
	if v4 := ip.To4(); v4 != nil {
		return be(v4)
	}
	return 0
}

func ipOf(v uint64) net.IP { return net.IP(put(v, 4)) }
