package ofapp

import (
	"context"
	"fmt"
)

// AddMeters adds meters. OVS 3.1 does not accept meter mods inside an ONF
// bundle (TestMeterModNotBundlable), so Apply sends meter adds and modifies
// before the bundle, which may then use them, and meter deletes after it,
// once no flow uses them.
func (b *Batch) AddMeters(ms ...MeterEntry) { b.meterAdds = append(b.meterAdds, ms...) }

// ModifyMeters replaces the rate and burst of existing meters.
func (b *Batch) ModifyMeters(ms ...MeterEntry) { b.meterMods = append(b.meterMods, ms...) }

// DeleteMeters deletes meters (and, as OpenFlow does, the flows that use
// them).
func (b *Batch) DeleteMeters(ids ...uint32) { b.meterDels = append(b.meterDels, ids...) }

// meterLen returns the number of meter mods of the batch.
func (b *Batch) meterLen() int { return len(b.meterAdds) + len(b.meterMods) + len(b.meterDels) }

// meterChanges lists the meter mods sent before the bundle (before) or
// after it.
func (b *Batch) meterChanges(before bool) []Change {
	var out []Change
	add := func(op string, m MeterEntry, text string) {
		mc := m
		out = append(out, Change{Op: op, Meter: &mc, Text: text})
	}
	if !before {
		for _, id := range b.meterDels {
			add("delete meter", MeterEntry{ID: id}, fmt.Sprintf("meter=%d", id))
		}
		return out
	}
	for _, m := range b.meterAdds {
		add("add meter", m, m.String())
	}
	for _, m := range b.meterMods {
		add("modify meter", m, m.String())
	}
	return out
}

// applyMeterMods sends one METER_MOD per meter and a barrier, and waits for
// it. Meter mods are not atomic together: a rejected one is reported (as
// *Error naming the meter and carrying the switch's *OFError) while the
// others may have taken effect; the next reconcile reads the meters back.
func (s *Switch) applyMeterMods(ctx context.Context, ms []MeterEntry, cmd uint16, op string) error {
	if len(ms) == 0 {
		return nil
	}
	base := s.reserveXIDs(uint32(len(ms)))
	rng := &xidRange{lo: base, hi: base + uint32(len(ms))}
	s.addRange(rng)
	defer s.removeRange(rng)
	buf := getBuf()
	for i := range ms {
		var err error
		if buf, err = appendMeterMod(buf, base+uint32(i), &ms[i], cmd); err != nil {
			putBuf(buf)
			return &Error{Op: "apply batch: " + op, DPID: s.DPID(), Item: ms[i].String(), Err: err}
		}
	}
	barX := s.nextXID()
	barReq := s.register(barX, expect(typeBarrierReply))
	buf = appendEmpty(buf, typeBarrierRequest, barX)
	if err := s.send(ctx, buf); err != nil {
		s.unregister(barX)
		return s.batchErr(op, err)
	}
	if err := s.wait(ctx, barX, barReq); err != nil {
		return s.batchErr("barrier after "+op, err)
	}
	if i, oe := rng.first(); oe != nil {
		item := ms[i].String()
		if cmd == meterDelete {
			item = fmt.Sprintf("meter=%d", ms[i].ID)
		}
		return &Error{Op: "apply batch: " + op, DPID: s.DPID(), Item: item, Err: oe}
	}
	return nil
}
