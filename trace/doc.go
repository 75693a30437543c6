// Package trace explains one packet's path through vtep's pipeline in the
// operator's terms. It builds the packet in ofproto/trace's flow syntax from
// an api.TraceRequest (Flow), parses ovs-vswitchd's ofproto/trace text into
// steps per table with decoded cookies (ParseTrace), and names each table,
// explains each step (classification, learning, the learned entry hit,
// egress, flooding, drops) and sums up the verdict (Explain).
//
// It is pure: no I/O. The daemon runs ofproto/trace and calls it; tests
// feed it outputs recorded from a live lab (testdata/).
package trace
