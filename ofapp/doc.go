// Package ofapp is vtep's OpenFlow 1.3 side.
//
// The flow model (Flow, Match of raw OXM TLVs, Action, GroupEntry) is plain
// Go values, each printing itself in ovs-ofctl syntax. The controller core
// turns those values into wire messages and back, without an intermediate
// object tree: encode.go writes FLOW_MOD/GROUP_MOD bytes straight from the
// model (including Nicira learn, reg_load, reg_move, output_reg and resubmit,
// which libOpenflow does not encode correctly or at all), decode.go reads
// flow and group stats back into the same model, so a flow read from a switch
// has the same Key as the wanted flow that installed it. libOpenflow supplies
// the message type numbers; its MessageStream is not used because it parses
// with 25 goroutines (reordering replies) and trusts length fields.
//
// A Controller listens (unix socket by default, tcp optional; OVS connects to
// unix sockets only inside its own run directory) or connects actively to a
// switch's punix:/ptcp: listener. Each connection becomes a Switch session:
//
//   - handshake: HELLO with a version bitmap (peers without 1.3 get
//     HELLO_FAILED/INCOMPATIBLE and a log line), FEATURES (datapath ID),
//     SET_CONFIG and a barrier;
//   - one reader goroutine that frames and dispatches every message,
//     answering echo requests and unknown types itself;
//   - one writer goroutine, the only one writing, fed in order by requests
//     and, with priority, by the reader's replies; every write has a deadline;
//   - keepalive: an ECHO_REQUEST after EchoInterval of silence, session
//     closed after EchoTimeout more;
//   - request tracking by xid: replies, multipart continuations (REPLY_MORE)
//     and OFPT_ERRORs complete the request that caused them.
//
// Changes go through a Batch applied in one atomic, ordered ONF bundle
// (experimenter 0x4f4e4600): open, one bundle-add per message (its xid equals
// the inner message's, so an error names the flow), barrier, commit, barrier.
// OVS 3.1 accepts group mods inside the bundle, so groups and flows change
// together. A rejected message discards the whole bundle.
//
// Sessions are independent: a slow or broken switch only ever blocks its own
// goroutines, and events queue without bound so a slow event reader never
// stalls a session. Every log line of a session carries its "dpid".
package ofapp
