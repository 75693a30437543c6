package ofapp

import "context"

// Test hooks for the external test package.
var (
	SampleFlows  = sampleFlows
	SampleGroups = sampleGroups
)

// BundleMeterMod opens a bundle, adds a METER_MOD adding m to it and
// discards the bundle; it returns the switch's answer to the add (nil if
// the switch accepted the meter mod into the bundle).
func (s *Switch) BundleMeterMod(ctx context.Context, m MeterEntry) error {
	bid := s.bundleID.Add(1)
	openX := s.nextXID()
	if err := s.roundTrip(ctx, openX, appendBundleCtrl(getBuf(), openX, bid, bundleOpenRequest, bundleFlags), expectBundle(bid, bundleOpenReply)); err != nil {
		return err
	}
	defer s.discard(bid)
	xid := s.nextXID()
	rng := &xidRange{lo: xid, hi: xid + 1}
	s.addRange(rng)
	defer s.removeRange(rng)
	buf := appendBundleAddStart(getBuf(), xid, bid, bundleFlags)
	buf, err := appendMeterMod(buf, xid, &m, meterAdd)
	if err != nil {
		return err
	}
	if err := s.send(ctx, finishMessage(buf, 0)); err != nil {
		return err
	}
	if err := s.Barrier(ctx); err != nil {
		return err
	}
	if _, oe := rng.first(); oe != nil {
		return oe
	}
	return nil
}
