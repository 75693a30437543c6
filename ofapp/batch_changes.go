package ofapp

// Change is one message of a Batch as Changes lists it: what it does (Op:
// "add flow", "delete flow", "modify group", ...) and the flow or group it
// carries. Text is the flow's or group's ovs-ofctl text (for deletes by
// cookie, the cookie and mask).
type Change struct {
	Op    string
	Flow  *Flow
	Group *GroupEntry
	// Meter is set for a meter mod (for a delete, only its ID).
	Meter *MeterEntry
	// Cookie is set for a delete by cookie: what it deletes.
	Cookie *CookieDelete
	Text   string
}

// CookieDelete is a delete by cookie: every flow of Table (of every table
// when AllTables) whose cookie equals Cookie in the bits set in Mask.
type CookieDelete struct {
	Table        uint8
	AllTables    bool
	Cookie, Mask uint64
}

// Changes lists the batch's messages in the order Apply sends them (meter
// adds and modifies, the bundle's messages in bundle order, meter deletes)
// without sending them, for tools that show what a reconcile would do.
func (b *Batch) Changes() []Change {
	out := make([]Change, 0, b.Len())
	out = append(out, b.meterChanges(true)...)
	for i := range b.bundleLen() {
		_, f, g, cd := b.at(i)
		op, text := b.describe(i)
		c := Change{Op: op, Text: text}
		if f != nil {
			fc := *f
			c.Flow = &fc
		}
		if g != nil {
			gc := *g
			c.Group = &gc
		}
		if cd != nil {
			c.Cookie = &CookieDelete{Table: cd.table, AllTables: cd.table == tableAll, Cookie: cd.cookie, Mask: cd.mask}
		}
		out = append(out, c)
	}
	return append(out, b.meterChanges(false)...)
}
