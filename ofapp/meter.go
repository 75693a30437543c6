package ofapp

import (
	"context"
	"fmt"
	"sort"
	"time"

	of13 "github.com/contiv/libOpenflow/openflow13"
)

// Meter-mod commands (ofp_meter_mod_command), meter flags (ofp_meter_flags),
// band types, multipart types and the meter instruction.
const (
	meterAdd    uint16 = of13.OFPMC_ADD
	meterModify uint16 = of13.OFPMC_MODIFY
	meterDelete uint16 = of13.OFPMC_DELETE

	meterFlagPktps uint16 = of13.OFPMF13_PKTPS
	meterFlagBurst uint16 = of13.OFPMF13_BURST
	meterFlagStats uint16 = of13.OFPMF13_STATS
	meterFlags            = meterFlagPktps | meterFlagBurst | meterFlagStats
	// MeterFlags are the flags of every meter vtep makes: packet rate,
	// burst and statistics.
	MeterFlags = meterFlags

	bandDrop uint16 = of13.OFPMBT13_DROP

	mpMeter       uint16 = 9
	mpMeterConfig uint16 = 10

	instMeter uint16 = 6

	typeMeterMod uint8 = of13.Type_MeterMod

	meterAll uint32 = of13.OFPM13_ALL
	// MeterMax is the highest meter id a flow may use (OFPM_MAX).
	MeterMax uint32 = of13.OFPM13_MAX
)

// MeterEntry is one OpenFlow meter as vtep uses them: a packet-rate meter
// (OFPMF_PKTPS, with burst and statistics) with one drop band: packets
// above PPS packets per second, after a burst of Burst packets, are dropped
// and counted.
type MeterEntry struct {
	ID    uint32
	PPS   uint32
	Burst uint32
}

// String prints the meter in the syntax `ovs-ofctl -O OpenFlow13 add-meter`
// accepts.
func (m MeterEntry) String() string {
	return fmt.Sprintf("meter=%d,pktps,burst,stats,bands=type=drop,rate=%d,burst_size=%d", m.ID, m.PPS, m.Burst)
}

// MeterStats is a meter read back from a switch with its counters.
type MeterStats struct {
	MeterEntry
	// Flags are the meter's ofp_meter_flags as the switch reports them.
	Flags uint16
	// Bands is the number of bands; a meter of vtep has exactly one drop
	// band, and a meter read back otherwise differs from any MeterEntry.
	Bands     int
	FlowCount uint32
	// Packets and Bytes entered the meter; Dropped are the packets its
	// bands dropped.
	Packets, Bytes uint64
	Dropped        uint64
	Duration       time.Duration
}

// Same reports whether the meter on the switch is exactly m.
func (s MeterStats) Same(m MeterEntry) bool {
	return s.MeterEntry == m && s.Flags == meterFlags && s.Bands == 1
}

// appendMeterMod appends an OFPT_METER_MOD for m, encoded by libOpenflow
// (its MeterMod and MeterBandDrop write the bytes ovs-ofctl writes,
// TestMeterModMatchesOvsOfctl).
func appendMeterMod(b []byte, xid uint32, m *MeterEntry, cmd uint16) ([]byte, error) {
	mm := of13.NewMeterMod()
	mm.Header = ofHeader(typeMeterMod, xid)
	mm.Command, mm.MeterId = cmd, m.ID
	if cmd != meterDelete {
		mm.Flags = meterFlags
		band := &of13.MeterBandDrop{MeterBandHeader: *of13.NewMeterBandHeader()}
		band.Type, band.Rate, band.BurstSize = bandDrop, m.PPS, m.Burst
		mm.AddMeterBand(band)
	}
	return appendMarshal(b, mm)
}

// meterRequest is the body of meter stats and meter config requests: every
// meter.
func meterRequest() *wireBytes { return &wireBytes{b: append(put32(nil, meterAll), 0, 0, 0, 0)} }

// Meters reads every meter with its band and counters (meter config and
// meter stats), by id.
func (s *Switch) Meters(ctx context.Context) ([]MeterStats, error) {
	byID := map[uint32]*MeterStats{}
	err := s.multipart(ctx, "meter config", mpMeterConfig, meterRequest(), func(b []byte) error {
		return decodeMeterConfigs(b, byID)
	})
	if err != nil {
		return nil, err
	}
	err = s.multipart(ctx, "meter stats", mpMeter, meterRequest(), func(b []byte) error {
		return decodeMeterStats(b, byID)
	})
	if err != nil {
		return nil, err
	}
	return sortedMeters(byID), nil
}

func sortedMeters(byID map[uint32]*MeterStats) []MeterStats {
	out := make([]MeterStats, 0, len(byID))
	for _, m := range byID {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// decodeMeterConfigs reads the entries of a meter config reply body
// (ofp_meter_config: length, flags, meter_id, bands). The bands go through
// libOpenflow's MeterBandHeader on length-checked slices.
func decodeMeterConfigs(b []byte, out map[uint32]*MeterStats) error {
	for len(b) > 0 {
		if len(b) < 8 {
			return protoErr("meter config: entry of %d bytes, need 8", len(b))
		}
		n := int(be.Uint16(b))
		if n < 8 || n > len(b) {
			return protoErr("meter config: entry length %d invalid (%d bytes left)", n, len(b))
		}
		id := be.Uint32(b[4:])
		m := meterEntry(out, id)
		m.Flags = be.Uint16(b[2:])
		for p := b[8:n]; len(p) > 0; {
			if len(p) < 16 {
				return protoErr("meter %d: band of %d bytes, need 16", id, len(p))
			}
			bl := int(be.Uint16(p[2:]))
			if bl < 16 || bl > len(p) {
				return protoErr("meter %d: band length %d invalid (%d bytes left)", id, bl, len(p))
			}
			var h of13.MeterBandHeader
			if err := guard("meter band", func() error { return h.UnmarshalBinary(p[:16:16]) }); err != nil {
				return err
			}
			m.Bands++
			if h.Type == bandDrop && m.Bands == 1 {
				m.PPS, m.Burst = h.Rate, h.BurstSize
			}
			p = p[bl:]
		}
		b = b[n:]
	}
	return nil
}

func meterEntry(out map[uint32]*MeterStats, id uint32) *MeterStats {
	m, ok := out[id]
	if !ok {
		m = &MeterStats{MeterEntry: MeterEntry{ID: id}}
		out[id] = m
	}
	return m
}

// decodeMeterStats reads the entries of a meter stats reply body
// (ofp_meter_stats, 40 bytes, then 16 bytes per band).
func decodeMeterStats(b []byte, out map[uint32]*MeterStats) error {
	for len(b) > 0 {
		if len(b) < 40 {
			return protoErr("meter stats: entry of %d bytes, need 40", len(b))
		}
		n := int(be.Uint16(b[4:]))
		if n < 40 || n > len(b) || (n-40)%16 != 0 {
			return protoErr("meter stats: entry length %d invalid (%d bytes left)", n, len(b))
		}
		m := meterEntry(out, be.Uint32(b))
		m.FlowCount = be.Uint32(b[12:])
		m.Packets, m.Bytes = be.Uint64(b[16:]), be.Uint64(b[24:])
		m.Duration = time.Duration(be.Uint32(b[32:]))*time.Second + time.Duration(be.Uint32(b[36:]))
		m.Dropped = 0
		for p := b[40:n]; len(p) > 0; p = p[16:] {
			m.Dropped += be.Uint64(p)
		}
		b = b[n:]
	}
	return nil
}
