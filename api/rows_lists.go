package api

import (
	"io"
	"math"
)

// The MAC table and the flows in the row format (rows.go).

// WriteMACRows writes es as an answer of GET /v1/macs in the row format.
func WriteMACRows(w io.Writer, es []MACEntry) error {
	return writeRows(w, MACColumns, len(es), func(e *rowEncoder, i int) {
		m := &es[i]
		e.text(m.MAC)
		e.num(uint64(m.VNI))
		e.flag(m.Remote)
		e.text(m.VTEP)
		e.text(m.Port)
		e.num(uint64(m.OFPort))
		e.num(uint64(m.VLAN))
		e.real(m.Age)
		e.num(uint64(m.IdleTimeout))
		e.num(uint64(m.HardTimeout))
		e.num(m.Hits)
		e.flag(m.Frozen)
		e.text(m.FlappedWith)
		e.text(m.Source)
		e.num(uint64(m.Seq))
	})
}

// ReadMACRows reads an answer of GET /v1/macs in the row format and hands
// each entry to fn as it is read; the entry is reused for the next, so fn
// must copy what it keeps. A malformed, cut short or oversized answer is
// an error (after the entries before the fault were handed over), and so
// is an error of fn, which ends the read.
func ReadMACRows(r io.Reader, fn func(*MACEntry) error) error {
	rr, err := newRowReader(r, MACColumns)
	if err != nil {
		return err
	}
	var m MACEntry
	for {
		more, err := rr.next()
		if err != nil || !more {
			return err
		}
		if err := rr.macEntry(&m); err != nil {
			return err
		}
		if err := fn(&m); err != nil {
			return err
		}
	}
}

// macEntry decodes the current row into m.
func (r *rowReader) macEntry(m *MACEntry) error {
	m.MAC = r.text(0, false)
	m.VNI = uint32(r.num(1, 0xffffff))
	m.Remote = r.flag(2)
	m.VTEP = r.text(3, true)
	m.Port = r.text(4, true)
	m.OFPort = uint32(r.num(5, math.MaxUint32))
	m.VLAN = uint16(r.num(6, 4095))
	m.Age = r.real(7)
	m.IdleTimeout = uint16(r.num(8, math.MaxUint16))
	m.HardTimeout = uint16(r.num(9, math.MaxUint16))
	m.Hits = r.num(10, math.MaxUint64)
	m.Frozen = r.flag(11)
	m.FlappedWith = r.text(12, true)
	m.Source = r.text(13, true)
	m.Seq = uint32(r.num(14, math.MaxUint32))
	return r.err
}

// WriteFlowRows writes es as an answer of GET /v1/flows in the row format.
func WriteFlowRows(w io.Writer, es []FlowEntry) error {
	return writeRows(w, FlowColumns, len(es), func(e *rowEncoder, i int) {
		e.flow(&es[i])
	})
}

// AppendFlowRow appends f as one row of an answer of GET /v1/flows in the
// row format (after the header line, FlowColumns; AppendRowsEnd ends it).
func AppendFlowRow(b []byte, f *FlowEntry) []byte {
	e := rowEncoder{b: b, first: true}
	e.flow(f)
	e.end()
	return e.b
}

// AppendFlowRowText is AppendFlowRow with the match and actions given as
// text instead of f's Match and Actions: a server that prints them into
// scratch space appends the row without making strings of them.
func AppendFlowRowText(b []byte, f *FlowEntry, match, actions []byte) []byte {
	e := rowEncoder{b: b, first: true}
	e.flowText(f, match, actions, true)
	e.end()
	return e.b
}

func (e *rowEncoder) flow(f *FlowEntry) { e.flowText(f, nil, nil, false) }

// flowText encodes f's fields, with match and actions for f's when given.
func (e *rowEncoder) flowText(f *FlowEntry, match, actions []byte, given bool) {
	e.text(f.Bridge)
	e.text(f.Role)
	e.num(uint64(f.Table))
	e.text(f.TableName)
	e.num(uint64(f.Priority))
	e.text(f.Cookie)
	e.flag(f.Vtep)
	e.text(f.Feature)
	e.num(uint64(f.VNI))
	e.flag(f.Learned)
	if given {
		e.textBytes(match)
		e.textBytes(actions)
	} else {
		e.text(f.Match)
		e.text(f.Actions)
	}
	e.num(uint64(f.IdleTimeout))
	e.num(uint64(f.HardTimeout))
	e.real(f.Duration)
	e.num(f.Packets)
	e.num(f.Bytes)
}

// ReadFlowRows is ReadMACRows for an answer of GET /v1/flows. The flows
// come in the order the server wrote them (see the row format).
func ReadFlowRows(r io.Reader, fn func(*FlowEntry) error) error {
	rr, err := newRowReader(r, FlowColumns)
	if err != nil {
		return err
	}
	var f FlowEntry
	for {
		more, err := rr.next()
		if err != nil || !more {
			return err
		}
		if err := rr.flowEntry(&f); err != nil {
			return err
		}
		if err := fn(&f); err != nil {
			return err
		}
	}
}

// flowEntry decodes the current row into f.
func (r *rowReader) flowEntry(f *FlowEntry) error {
	f.Bridge = r.text(0, true)
	f.Role = r.text(1, true)
	f.Table = uint8(r.num(2, math.MaxUint8))
	f.TableName = r.text(3, true)
	f.Priority = uint16(r.num(4, math.MaxUint16))
	f.Cookie = r.text(5, true)
	f.Vtep = r.flag(6)
	f.Feature = r.text(7, true)
	f.VNI = uint32(r.num(8, 0xffffff))
	f.Learned = r.flag(9)
	f.Match = r.text(10, false)
	f.Actions = r.text(11, false)
	f.IdleTimeout = uint16(r.num(12, math.MaxUint16))
	f.HardTimeout = uint16(r.num(13, math.MaxUint16))
	f.Duration = r.real(14)
	f.Packets = r.num(15, math.MaxUint64)
	f.Bytes = r.num(16, math.MaxUint64)
	return r.err
}
