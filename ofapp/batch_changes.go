package ofapp

// Change is one message of a Batch as Changes lists it: what it does (Op:
// "add flow", "delete flow", "modify group", ...) and the flow or group it
// carries. Text is the flow's or group's ovs-ofctl text (for deletes by
// cookie, the cookie and mask).
type Change struct {
	Op    string
	Flow  *Flow
	Group *GroupEntry
	Text  string
}

// Changes lists the batch's messages in bundle order without sending them,
// for tools that show what a reconcile would do.
func (b *Batch) Changes() []Change {
	out := make([]Change, 0, b.Len())
	for i := range b.Len() {
		_, f, g, _ := b.at(i)
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
		out = append(out, c)
	}
	return out
}
