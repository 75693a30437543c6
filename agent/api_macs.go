package agent

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/macflap"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
	"github.com/vtep/vtep/trace"
)

// The learned MAC table: GET /v1/macs reads the flows the learn actions
// made in table mac (30) and says where each MAC is: behind which VTEP, or on which local port.
//
// Age. An entry lives mac_ageing (its hard timeout) after its MAC was last
// seen as a source: each frame from the MAC restarts the hard timeout (OVS
// sets the rule's modified time). OpenFlow 1.3 flow stats carry a flow's
// duration (time since it was learned; refreshing an entry keeps it) but
// not that modified time, which only the Nicira NXST_FLOW reply of OpenFlow
// 1.0 has (hard_age), and vtep's bridges speak OpenFlow 1.3 only. So AGE is
// the time since the MAC was learned at its current place: a move rewrites
// the learned flow in place, which leaves its duration running, so the flap
// watcher's reading of table mac every flapPeriod dates moves (moveClock)
// and AGE is the smaller of the two. HITS is the entry's n_packets: frames
// sent to that MAC, which do not keep the entry.

// MACs reads the learned MAC table (vni 0: every VNI), sorted by VNI and
// MAC. The switch selects the VNI (by cookie), and each flow is read into
// its entry as its reply arrives: the decoded flows are never all held.
func (a *Agent) MACs(ctx context.Context, vni uint32) ([]api.MACEntry, error) {
	_, st, _ := a.Snapshot()
	pi := trace.NewPorts(st)
	now := time.Now()
	clock := a.flaps.moveClock()
	out := []api.MACEntry{}
	if vni == 0 {
		// room for the table the last reading saw, and some: growing
		// a list of 100,000 entries copies it over and over
		out = make([]api.MACEntry, 0, clock.size()+clock.size()/8)
	}
	var d learnedDecoder
	err := a.eachLearnedAside(ctx, vni, func(f *ofapp.FlowStats) {
		e, ok := d.decode(f, pi)
		if !ok || (vni != 0 && e.VNI != vni) {
			return
		}
		e.Age = clock.age(macflap.Key{VNI: e.VNI, MAC: e.MAC}, d.place(&e), f.Duration, now).Seconds()
		out = append(out, e)
	})
	if err != nil {
		return nil, err
	}
	out = a.evpnMACEntries(out, vni, st, pi)
	api.SortMACs(out)
	return a.flaps.markFrozen(out, vni, pi), nil
}

// eachLearnedAside is eachLearned of the learned flows with fn run
// aside, not on the switch's reader (see aside).
func (a *Agent) eachLearnedAside(ctx context.Context, vni uint32, fn func(*ofapp.FlowStats)) error {
	return aside(func(each func(*ofapp.FlowStats) error) error {
		return a.eachLearned(ctx, pipeline.LearnedValue, pipeline.LearnedMask, vni, each)
	}, fn)
}

// learnedDecoder decodes learned flows (decodeLearned), reusing its
// scratch space from one flow to the next.
type learnedDecoder struct {
	loads map[int]uint64
	vtep  netip.Addr            // of the last remote entry decoded
	vteps map[netip.Addr]string // the text of each VTEP address seen
}

// place is the place of e, the entry decode returned last: placeOf(e),
// without reading the VTEP's address back from its text.
func (d *learnedDecoder) place(e *api.MACEntry) macflap.Place {
	p := macflap.Place{Port: e.OFPort}
	if e.Remote {
		p.VTEP = d.vtep
	}
	return p
}

// decodeLearned reads one learned flow (see learnedDecoder.decode).
func decodeLearned(f ofapp.FlowStats, pi trace.Ports) (api.MACEntry, bool) {
	var d learnedDecoder
	return d.decode(&f, pi)
}

// decode reads one learned flow: match reg0 (VNI) and dl_dst, actions
// loading reg2 (remote VTEP, 0 when local) and reg3[0..15] (port), decoded
// by pipeline.DecodeLearned. It reports false for flows that do not have
// that shape.
func (d *learnedDecoder) decode(f *ofapp.FlowStats, pi trace.Ports) (api.MACEntry, bool) {
	if d.loads == nil {
		d.loads = make(map[int]uint64, 2)
	}
	clear(d.loads)
	lf := pipeline.LearnedFlow{Cookie: pipeline.Cookie(f.Cookie), Loads: d.loads}
	for _, m := range f.Match {
		switch m.Name() {
		case "dl_dst":
			lf.MAC = net.HardwareAddr(m.Value)
		case "reg0":
			if len(m.Value) == 4 {
				lf.VNI, lf.HasVNI = binary.BigEndian.Uint32(m.Value), true
			}
		}
	}
	for _, act := range f.Actions {
		if reg, v, ok := regLoad(act); ok {
			lf.Loads[reg] = v
		}
	}
	l, err := pipeline.DecodeLearned(lf)
	if err != nil {
		return api.MACEntry{}, false
	}
	e := api.MACEntry{VNI: l.VNI, MAC: macString(l.MAC), Remote: l.Remote, OFPort: l.Port,
		Age: f.Duration.Seconds(), IdleTimeout: f.IdleTimeout, HardTimeout: f.HardTimeout, Hits: f.Packets}
	if l.Remote {
		text, ok := d.vteps[l.VTEP]
		if !ok {
			if d.vteps == nil || len(d.vteps) >= 1024 {
				d.vteps = map[netip.Addr]string{}
			}
			text = l.VTEP.String()
			d.vteps[l.VTEP] = text
		}
		e.VTEP, d.vtep = text, l.VTEP
	}
	e.Port = pi.Name(e.OFPort)
	if !e.Remote {
		e.VLAN = pi.VLAN(e.OFPort, e.VNI)
	}
	return e, true
}

// macString is hw.String(), in one allocation for a 6-byte address.
func macString(hw net.HardwareAddr) string {
	if len(hw) != 6 {
		return hw.String()
	}
	const digits = "0123456789abcdef"
	var b [17]byte
	for i, c := range hw {
		if i > 0 {
			b[3*i-1] = ':'
		}
		b[3*i], b[3*i+1] = digits[c>>4], digits[c&0xf]
	}
	return string(b[:])
}

// regLoad recognises a load of an immediate into a register, in the two
// forms a switch reports it: Nicira reg_load (partial registers) and an
// OpenFlow 1.3 set_field of a whole NXM_NX_REGn, which the flow model keeps
// as a RawAction.
func regLoad(a ofapp.Action) (reg int, value uint64, ok bool) {
	switch a := a.(type) {
	case ofapp.RegLoad:
		if a.Dst.Field.Class == ofapp.ClassNXM1 && a.Dst.Field.Field < 16 && a.Dst.Field.Bytes == 4 {
			return int(a.Dst.Field.Field), a.Value << a.Dst.Ofs, true
		}
	case ofapp.RawAction:
		b := a.Bytes
		// set_field (type 25), OXM class NXM1, no mask, 4-byte value.
		if len(b) >= 12 && binary.BigEndian.Uint16(b) == 25 &&
			binary.BigEndian.Uint16(b[4:]) == ofapp.ClassNXM1 && b[6]&1 == 0 && b[7] == 4 && b[6]>>1 < 16 {
			return int(b[6] >> 1), uint64(binary.BigEndian.Uint32(b[8:])), true
		}
	}
	return 0, 0, false
}

// eachLearned hands fn each flow of the overlay bridge's table mac whose
// cookie matches value under mask and, when vni is not 0, whose cookie
// carries vni: the switch filters, so a query for one VNI reads only its
// flows. See eachFlow for what fn may do.
func (a *Agent) eachLearned(ctx context.Context, value, mask pipeline.Cookie, vni uint32, fn func(*ofapp.FlowStats) error) error {
	sw, name, err := a.switchFor(api.BridgeOverlay)
	if err != nil {
		return err
	}
	if vni != 0 {
		value, mask = value|pipeline.Cookie(vni)&pipeline.CookieVNIMask, mask|pipeline.CookieVNIMask
	}
	if err := eachFlow(ctx, sw, pipeline.TableMAC, uint64(value), uint64(mask), fn); err != nil {
		return fmt.Errorf("overlay bridge %s: read learned flows: %w", name, err)
	}
	return nil
}
