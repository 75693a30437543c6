package ofapp

import (
	"context"
	"time"

	"github.com/contiv/libOpenflow/util"
)

// FlowStats is a flow as read back from a switch: the Flow (its Key equals
// the Key of the wanted Flow that installed it) with the switch's counters.
type FlowStats struct {
	Flow
	Flags    uint16
	Duration time.Duration
	Packets  uint64
	Bytes    uint64
}

// GroupStats is a group as read back from a switch, with its counters.
type GroupStats struct {
	GroupEntry
	RefCount uint32
	Packets  uint64
	Bytes    uint64
	Duration time.Duration
}

// PortStats is one port's counters with its name and number.
type PortStats struct {
	Port
	RxPackets, TxPackets uint64
	RxBytes, TxBytes     uint64
	RxDropped, TxDropped uint64
	RxErrors, TxErrors   uint64
	Duration             time.Duration
}

// TableStats is one table's counters.
type TableStats struct {
	Table   uint8
	Active  uint32
	Lookups uint64
	Matched uint64
}

// multipart sends a multipart request and feeds every reply body (after the
// 16-byte multipart header) to onBody until the last part arrives.
func (s *Switch) multipart(ctx context.Context, op string, typ uint16, body util.Message, onBody func([]byte) error) error {
	xid := s.nextXID()
	b := appendMultipartRequest(getBuf(), xid, typ, body)
	err := s.roundTrip(ctx, xid, b, func(h header, msg []byte) (bool, error) {
		if h.Type != typeMultipartReply || len(msg) < 16 {
			return true, protoErr("%s reply xid %d: %s of %d bytes", op, h.Xid, MessageTypeName(h.Type), len(msg))
		}
		if t := be.Uint16(msg[8:]); t != typ {
			return true, protoErr("%s reply xid %d: multipart type %d, want %d", op, h.Xid, t, typ)
		}
		if err := onBody(msg[16:]); err != nil {
			return true, err
		}
		return be.Uint16(msg[10:])&mpReplyMore == 0, nil
	})
	if err != nil {
		return &Error{Op: op, DPID: s.DPID(), Err: err}
	}
	return nil
}

// Flows reads every flow of every table whose cookie matches cookie under
// mask (a mask of 0 reads all flows).
func (s *Switch) Flows(ctx context.Context, cookie, mask uint64) ([]FlowStats, error) {
	return s.TableFlows(ctx, tableAll, cookie, mask)
}

// TableFlows is Flows for one table (0xff: all tables).
func (s *Switch) TableFlows(ctx context.Context, table uint8, cookie, mask uint64) ([]FlowStats, error) {
	var out []FlowStats
	err := s.EachFlow(ctx, table, cookie, mask, func(f *FlowStats) error {
		out = append(out, *f)
		return nil
	})
	return out, err
}

// EachFlow reads the flows of table (0xff: all tables) whose cookie matches
// cookie under mask, like TableFlows, but hands each flow to fn as its
// reply arrives instead of returning them all: a reader that keeps only
// what it needs of each flow holds one reply's flows at a time, not the
// table. fn runs on the session's reader, so it must not use the switch,
// and must not keep f (its Match and Actions it may keep). An error from
// fn ends the read and is returned.
func (s *Switch) EachFlow(ctx context.Context, table uint8, cookie, mask uint64, fn func(f *FlowStats) error) error {
	return s.multipart(ctx, "flow stats", mpFlow, flowStatsRequest(table, cookie, mask), func(b []byte) error {
		return eachFlowStats(b, decodeFull, fn)
	})
}

// EachFlowCounters is EachFlow without the matches and actions: each flow
// has its table, priority, cookie, timeouts, flags, duration and counters
// only: nothing of a match or an action is decoded or allocated.
func (s *Switch) EachFlowCounters(ctx context.Context, table uint8, cookie, mask uint64, fn func(f *FlowStats) error) error {
	return s.multipart(ctx, "flow stats", mpFlow, flowStatsRequest(table, cookie, mask), func(b []byte) error {
		return eachFlowStats(b, decodeCounters, fn)
	})
}

// FlowMatches is Flows without the instructions: each flow has its key
// (table, priority, match), cookie, timeouts and counters, no actions, goto
// or meter. It is what a controller needs to diff by cookie, for less than
// Flows costs: the actions are most of a flow's decoding.
func (s *Switch) FlowMatches(ctx context.Context, cookie, mask uint64) ([]FlowStats, error) {
	var out []FlowStats
	err := s.multipart(ctx, "flow stats", mpFlow, flowStatsRequest(tableAll, cookie, mask), func(b []byte) error {
		return eachFlowStats(b, decodeMatchOnly, func(f *FlowStats) error {
			out = append(out, *f)
			return nil
		})
	})
	return out, err
}

// How much of a flow-stats entry eachFlowStats decodes.
const (
	decodeCounters  = iota // table, priority, cookie, timeouts, flags, counters
	decodeMatchOnly        // and the match
	decodeFull             // and the instructions
)

// decodeFlowStats appends the flows of one flow-stats reply body.
func decodeFlowStats(b []byte, out []FlowStats) ([]FlowStats, error) {
	err := eachFlowStats(b, decodeFull, func(f *FlowStats) error {
		out = append(out, *f)
		return nil
	})
	return out, err
}

// eachFlowStats decodes the flows of one flow-stats reply body as far as
// level says, and calls fn with each.
func eachFlowStats(b []byte, level int, fn func(*FlowStats) error) error {
	for len(b) > 0 {
		if len(b) < 56 {
			return protoErr("flow stats: entry of %d bytes, need 56", len(b))
		}
		n := int(be.Uint16(b))
		if n < 56 || n > len(b) {
			return protoErr("flow stats: entry length %d invalid (%d bytes left)", n, len(b))
		}
		e := b[:n]
		fs := FlowStats{
			Flow: Flow{
				Table:       e[2],
				Priority:    be.Uint16(e[12:]),
				IdleTimeout: be.Uint16(e[14:]),
				HardTimeout: be.Uint16(e[16:]),
				Cookie:      be.Uint64(e[24:]),
			},
			Flags:    be.Uint16(e[18:]),
			Duration: time.Duration(be.Uint32(e[4:]))*time.Second + time.Duration(be.Uint32(e[8:])),
			Packets:  be.Uint64(e[32:]),
			Bytes:    be.Uint64(e[40:]),
		}
		if level >= decodeMatchOnly {
			m, ml, err := decodeMatch(e[48:])
			if err != nil {
				return err
			}
			fs.Match = m
			if level == decodeFull {
				if err := decodeInstructions(e[48+ml:], &fs.Flow); err != nil {
					return err
				}
			}
		}
		if err := fn(&fs); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// Groups reads every group with its buckets and counters.
func (s *Switch) Groups(ctx context.Context) ([]GroupStats, error) {
	var descs []GroupEntry
	err := s.multipart(ctx, "group desc", mpGroupDesc, nil, func(b []byte) error {
		var err error
		descs, err = decodeGroupDescs(b, descs)
		return err
	})
	if err != nil {
		return nil, err
	}
	counters := map[uint32]GroupStats{}
	// libOpenflow has no group stats request type.
	body := &wireBytes{b: append(put32(nil, groupAll), 0, 0, 0, 0)}
	err = s.multipart(ctx, "group stats", mpGroup, body, func(b []byte) error {
		return decodeGroupStats(b, counters)
	})
	if err != nil {
		return nil, err
	}
	out := make([]GroupStats, len(descs))
	for i, d := range descs {
		out[i] = counters[d.ID]
		out[i].GroupEntry = d
	}
	return out, nil
}

func decodeGroupDescs(b []byte, out []GroupEntry) ([]GroupEntry, error) {
	for len(b) > 0 {
		if len(b) < 8 {
			return out, protoErr("group desc: entry of %d bytes, need 8", len(b))
		}
		n := int(be.Uint16(b))
		if n < 8 || n > len(b) {
			return out, protoErr("group desc: entry length %d invalid (%d bytes left)", n, len(b))
		}
		g := GroupEntry{Type: GroupType(b[2]), ID: be.Uint32(b[4:])}
		p := b[8:n]
		for len(p) > 0 {
			if len(p) < 16 {
				return out, protoErr("group %d: bucket of %d bytes, need 16", g.ID, len(p))
			}
			bl := int(be.Uint16(p))
			if bl < 16 || bl > len(p) {
				return out, protoErr("group %d: bucket length %d invalid (%d bytes left)", g.ID, bl, len(p))
			}
			as, err := decodeActions(p[16:bl])
			if err != nil {
				return out, err
			}
			g.Buckets = append(g.Buckets, Bucket{Actions: as})
			p = p[bl:]
		}
		out = append(out, g)
		b = b[n:]
	}
	return out, nil
}

func decodeGroupStats(b []byte, out map[uint32]GroupStats) error {
	for len(b) > 0 {
		if len(b) < 40 {
			return protoErr("group stats: entry of %d bytes, need 40", len(b))
		}
		n := int(be.Uint16(b))
		if n < 40 || n > len(b) {
			return protoErr("group stats: entry length %d invalid (%d bytes left)", n, len(b))
		}
		id := be.Uint32(b[4:])
		out[id] = GroupStats{
			RefCount: be.Uint32(b[8:]),
			Packets:  be.Uint64(b[16:]),
			Bytes:    be.Uint64(b[24:]),
			Duration: time.Duration(be.Uint32(b[32:]))*time.Second + time.Duration(be.Uint32(b[36:])),
		}
		b = b[n:]
	}
	return nil
}

// PortDescs reads the description (number, name, address, state) of every port.
func (s *Switch) PortDescs(ctx context.Context) ([]Port, error) {
	var out []Port
	err := s.multipart(ctx, "port desc", mpPortDesc, nil, func(b []byte) error {
		if len(b)%portLen != 0 {
			return protoErr("port desc: body of %d bytes is not a multiple of %d", len(b), portLen)
		}
		for ; len(b) > 0; b = b[portLen:] {
			p, err := decodePort(b)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// Ports reads every port's counters, with the port's name and description.
func (s *Switch) Ports(ctx context.Context) ([]PortStats, error) {
	descs, err := s.PortDescs(ctx)
	if err != nil {
		return nil, err
	}
	byNo := make(map[uint32]Port, len(descs))
	for _, p := range descs {
		byNo[p.No] = p
	}
	var out []PortStats
	// libOpenflow's PortStatsRequest is OpenFlow 1.0's, with a 16-bit port
	// (TestLibOpenflowPortStatsAreOpenFlow10).
	body := &wireBytes{b: append(put32(nil, PortAny), 0, 0, 0, 0)}
	err = s.multipart(ctx, "port stats", mpPortStats, body, func(b []byte) error {
		const n = 112
		if len(b)%n != 0 {
			return protoErr("port stats: body of %d bytes is not a multiple of %d", len(b), n)
		}
		for ; len(b) > 0; b = b[n:] {
			no := be.Uint32(b)
			p, ok := byNo[no]
			if !ok {
				p = Port{No: no}
			}
			out = append(out, PortStats{
				Port:      p,
				RxPackets: be.Uint64(b[8:]), TxPackets: be.Uint64(b[16:]),
				RxBytes: be.Uint64(b[24:]), TxBytes: be.Uint64(b[32:]),
				RxDropped: be.Uint64(b[40:]), TxDropped: be.Uint64(b[48:]),
				RxErrors: be.Uint64(b[56:]), TxErrors: be.Uint64(b[64:]),
				Duration: time.Duration(be.Uint32(b[104:]))*time.Second + time.Duration(be.Uint32(b[108:])),
			})
		}
		return nil
	})
	return out, err
}

// Tables reads every table's counters.
func (s *Switch) Tables(ctx context.Context) ([]TableStats, error) {
	var out []TableStats
	err := s.multipart(ctx, "table stats", mpTable, nil, func(b []byte) error {
		const n = 24
		if len(b)%n != 0 {
			return protoErr("table stats: body of %d bytes is not a multiple of %d", len(b), n)
		}
		for ; len(b) > 0; b = b[n:] {
			out = append(out, TableStats{Table: b[0], Active: be.Uint32(b[4:]), Lookups: be.Uint64(b[8:]), Matched: be.Uint64(b[16:])})
		}
		return nil
	})
	return out, err
}
