package ofapp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"
)

// Batch is a set of changes applied to a switch atomically, in one ONF
// bundle: either all of them take effect or, if the switch rejects any, none
// do. Within the bundle they go in this order, whatever order they were
// added in: group adds, group modifies, deletes by cookie, strict flow
// deletes, strict flow modifies, flow adds, group deletes. So new flows may
// use new groups, and groups are deleted only after the flows using them.
//
// A Batch is a plain value builder; it is not safe for concurrent use.
type Batch struct {
	groupAdds, groupMods []GroupEntry
	cookieDels           []cookieDelete
	flowDels, flowMods   []Flow
	flowAdds             []Flow
	groupDels            []uint32
	meterAdds, meterMods []MeterEntry
	meterDels            []uint32
}

type cookieDelete struct {
	table        uint8
	cookie, mask uint64
}

// AddFlows adds flows (OFPFC_ADD: a flow with the same table, priority and
// match is replaced, cookie, timeouts and counters included).
func (b *Batch) AddFlows(fs ...Flow) { b.flowAdds = append(b.flowAdds, fs...) }

// ModifyFlows replaces the instructions of flows with the same table,
// priority and match (OFPFC_MODIFY_STRICT). The switch keeps their cookie,
// timeouts and counters; use AddFlows to change those.
func (b *Batch) ModifyFlows(fs ...Flow) { b.flowMods = append(b.flowMods, fs...) }

// DeleteFlows deletes flows with the same table, priority and match
// (OFPFC_DELETE_STRICT); their actions and cookie do not matter.
func (b *Batch) DeleteFlows(fs ...Flow) { b.flowDels = append(b.flowDels, fs...) }

// DeleteByCookie deletes every flow, in every table, whose cookie equals
// cookie in the bits set in mask. A mask of 0 deletes every flow.
func (b *Batch) DeleteByCookie(cookie, mask uint64) {
	b.cookieDels = append(b.cookieDels, cookieDelete{table: tableAll, cookie: cookie, mask: mask})
}

// DeleteByCookieInTable is DeleteByCookie limited to one table.
func (b *Batch) DeleteByCookieInTable(table uint8, cookie, mask uint64) {
	b.cookieDels = append(b.cookieDels, cookieDelete{table: table, cookie: cookie, mask: mask})
}

// AddGroups adds groups.
func (b *Batch) AddGroups(gs ...GroupEntry) { b.groupAdds = append(b.groupAdds, gs...) }

// ModifyGroups replaces the type and buckets of existing groups.
func (b *Batch) ModifyGroups(gs ...GroupEntry) { b.groupMods = append(b.groupMods, gs...) }

// DeleteGroups deletes groups (and, as OpenFlow does, the flows that use them).
func (b *Batch) DeleteGroups(ids ...uint32) { b.groupDels = append(b.groupDels, ids...) }

// Len returns the number of OpenFlow messages the batch makes, meter mods
// included.
func (b *Batch) Len() int { return b.bundleLen() + b.meterLen() }

// bundleLen returns the number of messages that go in the bundle.
func (b *Batch) bundleLen() int {
	return len(b.groupAdds) + len(b.groupMods) + len(b.cookieDels) + len(b.flowDels) + len(b.flowMods) + len(b.flowAdds) + len(b.groupDels)
}

// Reset empties the batch, keeping its memory.
func (b *Batch) Reset() {
	*b = Batch{groupAdds: b.groupAdds[:0], groupMods: b.groupMods[:0], cookieDels: b.cookieDels[:0],
		flowDels: b.flowDels[:0], flowMods: b.flowMods[:0], flowAdds: b.flowAdds[:0], groupDels: b.groupDels[:0],
		meterAdds: b.meterAdds[:0], meterMods: b.meterMods[:0], meterDels: b.meterDels[:0]}
}

// visit calls fn for the i-th message in bundle order with its kind and
// either a flow, a group or a cookie delete.
func (b *Batch) at(i int) (kind string, f *Flow, g *GroupEntry, cd *cookieDelete) {
	if i < len(b.groupAdds) {
		return "add group", nil, &b.groupAdds[i], nil
	}
	i -= len(b.groupAdds)
	if i < len(b.groupMods) {
		return "modify group", nil, &b.groupMods[i], nil
	}
	i -= len(b.groupMods)
	if i < len(b.cookieDels) {
		return "delete flows by cookie", nil, nil, &b.cookieDels[i]
	}
	i -= len(b.cookieDels)
	if i < len(b.flowDels) {
		return "delete flow", &b.flowDels[i], nil, nil
	}
	i -= len(b.flowDels)
	if i < len(b.flowMods) {
		return "modify flow", &b.flowMods[i], nil, nil
	}
	i -= len(b.flowMods)
	if i < len(b.flowAdds) {
		return "add flow", &b.flowAdds[i], nil, nil
	}
	i -= len(b.flowAdds)
	return "delete group", nil, &GroupEntry{ID: b.groupDels[i]}, nil
}

// describe names the i-th message for an error: its kind and the String()
// of its flow or group.
func (b *Batch) describe(i int) (op, item string) {
	kind, f, g, cd := b.at(i)
	switch {
	case f != nil:
		return kind, f.String()
	case g != nil && kind == "delete group":
		return kind, fmt.Sprintf("group_id=%d", g.ID)
	case g != nil:
		return kind, g.String()
	}
	if cd.table == tableAll {
		return kind, fmt.Sprintf("cookie=0x%x/0x%x", cd.cookie, cd.mask)
	}
	return kind, fmt.Sprintf("table=%d,cookie=0x%x/0x%x", cd.table, cd.cookie, cd.mask)
}

// encode appends the i-th message of the batch.
func (b *Batch) encode(buf []byte, i int, xid uint32) ([]byte, error) {
	kind, f, g, cd := b.at(i)
	switch kind {
	case "add group":
		return appendGroupMod(buf, xid, g, groupAdd)
	case "modify group":
		return appendGroupMod(buf, xid, g, groupModify)
	case "delete group":
		return appendGroupMod(buf, xid, g, groupDelete)
	case "delete flows by cookie":
		return appendDeleteByCookie(buf, xid, cd.table, cd.cookie, cd.mask), nil
	case "delete flow":
		return appendFlowMod(buf, xid, f, flowDeleteStrict)
	case "modify flow":
		return appendFlowMod(buf, xid, f, flowModifyStrict)
	}
	return appendFlowMod(buf, xid, f, flowAdd)
}

// validate checks every flow before anything is sent.
func (b *Batch) validate() (int, error) {
	off := len(b.groupAdds) + len(b.groupMods) + len(b.cookieDels) + len(b.flowDels)
	for i := range b.flowMods {
		if err := b.flowMods[i].Validate(); err != nil {
			return off + i, err
		}
	}
	off += len(b.flowMods)
	for i := range b.flowAdds {
		if err := b.flowAdds[i].Validate(); err != nil {
			return off + i, err
		}
	}
	return -1, nil
}

// chunkSize is how many bytes of bundle messages are handed to the writer at once.
const chunkSize = 64 << 10

// Apply sends the batch to the switch in one atomic, ordered ONF bundle
// (open, add each message, barrier, commit, barrier) and returns once the
// switch has committed it. If the switch rejects any message, the bundle is
// discarded, nothing changes on the switch, and the *Error names the
// rejected flow or group by its String() and carries the switch's *OFError.
// Meter mods go outside the bundle, which OVS does not let them into:
// adds and modifies before it (a rejected one stops Apply before the
// bundle), deletes after it.
func (s *Switch) Apply(ctx context.Context, b *Batch) error {
	if err := s.applyMeterMods(ctx, b.meterAdds, meterAdd, "add meter"); err != nil {
		return err
	}
	if err := s.applyMeterMods(ctx, b.meterMods, meterModify, "modify meter"); err != nil {
		return err
	}
	if err := s.applyBundle(ctx, b); err != nil {
		return err
	}
	dels := make([]MeterEntry, len(b.meterDels))
	for i, id := range b.meterDels {
		dels[i].ID = id
	}
	return s.applyMeterMods(ctx, dels, meterDelete, "delete meter")
}

// applyBundle sends the bundle part of the batch (everything but meters).
func (s *Switch) applyBundle(ctx context.Context, b *Batch) error {
	n := b.bundleLen()
	if n == 0 {
		return nil
	}
	fail := func(i int, err error) error {
		op, item := b.describe(i)
		return &Error{Op: "apply batch: " + op, DPID: s.DPID(), Item: item, Err: err}
	}
	if i, err := b.validate(); err != nil {
		return fail(i, err)
	}
	start := time.Now()
	bid := s.bundleID.Add(1)
	base := s.reserveXIDs(uint32(n))
	rng := &xidRange{lo: base, hi: base + uint32(n)}
	s.addRange(rng)
	defer s.removeRange(rng)

	openX := s.nextXID()
	openReq := s.register(openX, expectBundle(bid, bundleOpenReply))
	if err := s.send(ctx, appendBundleCtrl(getBuf(), openX, bid, bundleOpenRequest, bundleFlags)); err != nil {
		s.unregister(openX)
		return s.batchErr("open bundle", err)
	}
	barX, barReq, i, err := s.sendAdds(ctx, b, bid, base)
	if err != nil {
		s.discard(bid)
		if i >= 0 {
			return fail(i, err)
		}
		return s.batchErr("add to bundle", err)
	}
	if err := s.wait(ctx, openX, openReq); err != nil {
		s.discard(bid)
		return s.batchErr("open bundle", err)
	}
	if err := s.wait(ctx, barX, barReq); err != nil {
		s.discard(bid)
		return s.batchErr("barrier after bundle adds", err)
	}
	if i, oe := rng.first(); oe != nil {
		s.discard(bid)
		return fail(i, oe)
	}
	if err := s.commit(ctx, bid, rng, fail); err != nil {
		return err
	}
	s.log.WithFields(logrus.Fields{"messages": n, "bundle": bid, "took": time.Since(start).Round(time.Microsecond).String()}).Debug("batch applied")
	return nil
}

// bundleFlags are the flags of every bundle a batch opens.
const bundleFlags = bundleFlagAtomic | bundleFlagOrdered

// batchErr wraps an error of one step of applying a batch.
func (s *Switch) batchErr(op string, err error) error {
	return &Error{Op: "apply batch: " + op, DPID: s.DPID(), Err: err}
}

// sendAdds sends one bundle-add per message of the batch (xids from base)
// and a barrier after them, in chunks of chunkSize bytes. It returns the
// barrier's xid and request, or an error: with the index of the message
// that could not be encoded, or -1 when sending failed.
func (s *Switch) sendAdds(ctx context.Context, b *Batch, bid uint32, base uint32) (uint32, *request, int, error) {
	buf := getBuf()
	for i := 0; i < b.bundleLen(); i++ {
		xid := base + uint32(i)
		mstart := len(buf)
		buf = appendBundleAddStart(buf, xid, bid, bundleFlags)
		var err error
		if buf, err = b.encode(buf, i, xid); err != nil {
			putBuf(buf)
			return 0, nil, i, err
		}
		if len(buf)-mstart > 0xffff {
			putBuf(buf)
			return 0, nil, i, fmt.Errorf("message of %d bytes does not fit a bundle add", len(buf)-mstart)
		}
		finishMessage(buf, mstart)
		if len(buf) >= chunkSize {
			if err := s.send(ctx, buf); err != nil {
				return 0, nil, -1, err
			}
			buf = getBuf()
		}
	}
	barX := s.nextXID()
	barReq := s.register(barX, expect(typeBarrierReply))
	buf = appendEmpty(buf, typeBarrierRequest, barX)
	if err := s.send(ctx, buf); err != nil {
		return 0, nil, -1, err
	}
	return barX, barReq, -1, nil
}

// commit commits the bundle and waits for the commit reply and a barrier.
func (s *Switch) commit(ctx context.Context, bid uint32, rng *xidRange, fail func(int, error) error) error {
	commitX := s.nextXID()
	commitReq := s.register(commitX, expectBundle(bid, bundleCommitReply))
	bar2X := s.nextXID()
	bar2Req := s.register(bar2X, expect(typeBarrierReply))
	msg := appendBundleCtrl(getBuf(), commitX, bid, bundleCommitRequest, bundleFlags)
	msg = appendEmpty(msg, typeBarrierRequest, bar2X)
	if err := s.send(ctx, msg); err != nil {
		s.unregister(commitX)
		s.unregister(bar2X)
		return s.batchErr("commit bundle", err)
	}
	cerr := s.wait(ctx, commitX, commitReq)
	berr := s.wait(ctx, bar2X, bar2Req)
	if i, oe := rng.first(); oe != nil {
		return fail(i, oe)
	}
	if cerr != nil {
		return s.batchErr("commit bundle", cerr)
	}
	if berr != nil {
		return s.batchErr("barrier after commit", berr)
	}
	return nil
}

// first returns the lowest-numbered message the switch rejected.
func (r *xidRange) first() (int, *OFError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	best, idx := (*OFError)(nil), -1
	for xid, e := range r.errs {
		if i := int(xid - r.lo); idx < 0 || i < idx {
			best, idx = e, i
		}
	}
	return idx, best
}

// discard drops an open bundle, best effort.
func (s *Switch) discard(bid uint32) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	xid := s.nextXID()
	err := s.roundTrip(ctx, xid, appendBundleCtrl(getBuf(), xid, bid, bundleDiscardRequest, bundleFlagAtomic|bundleFlagOrdered), expectBundle(bid, bundleDiscardReply))
	var oe *OFError
	if err != nil && !(errors.As(err, &oe) && oe.Type == ErrTypeExperimenter) && !errors.Is(err, ErrClosed) {
		s.log.WithError(err).WithField("bundle", bid).Warn("discarding bundle failed")
	}
}

// expectBundle accepts a bundle control reply of type want for bundle bid.
func expectBundle(bid uint32, want uint16) func(header, []byte) (bool, error) {
	return func(h header, msg []byte) (bool, error) {
		if h.Type != typeExperimenter || len(msg) < 24 || be.Uint32(msg[8:]) != experimenterONF || be.Uint32(msg[12:]) != expTypeBundleCtrl {
			return true, protoErr("bundle reply xid %d: unexpected %s of %d bytes", h.Xid, MessageTypeName(h.Type), len(msg))
		}
		if id, typ := be.Uint32(msg[16:]), be.Uint16(msg[20:]); id != bid || typ != want {
			return true, protoErr("bundle reply xid %d: bundle %d type %d, want bundle %d type %d", h.Xid, id, typ, bid, want)
		}
		return true, nil
	}
}

// AddFlows installs flows in one atomic bundle (see Apply).
func (s *Switch) AddFlows(ctx context.Context, fs ...Flow) error {
	var b Batch
	b.AddFlows(fs...)
	return s.Apply(ctx, &b)
}

// DeleteByCookie deletes every flow whose cookie matches under mask.
func (s *Switch) DeleteByCookie(ctx context.Context, cookie, mask uint64) error {
	var b Batch
	b.DeleteByCookie(cookie, mask)
	return s.Apply(ctx, &b)
}

// TableMiss returns the table-miss flow of a table: priority 0, empty match,
// doing actions and then going to table gotoTable (0 for none).
func TableMiss(table, gotoTable uint8, cookie uint64, actions ...Action) Flow {
	return Flow{Table: table, Priority: 0, Cookie: cookie, Actions: actions, Goto: gotoTable}
}
