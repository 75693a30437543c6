// Package ofapp is vtep's OpenFlow 1.3 side.
//
// The flow model (Flow, Match of raw OXM TLVs, Action, GroupEntry,
// MeterEntry) is plain
// Go values, each printing itself in ovs-ofctl syntax. Flows read from a
// switch decode into the same model, so a flow read back has the same Key as
// the wanted flow that installed it.
//
// # libOpenflow
//
// github.com/contiv/libOpenflow's openflow13 types encode and decode most of
// what crosses the wire; the model is converted to and from them (lof.go,
// lofdecode.go):
//
//   - encoded by libOpenflow: GROUP_MOD with its buckets, METER_MOD with
//     its drop band (MeterMod, MeterBandDrop: the bytes ovs-ofctl reads as
//     the meter, TestMeterModMatchesOvsOfctl), every action of the
//     model (Nicira learn, reg_load, reg_move, output_reg and resubmit
//     included: NXActionLearn, NXActionRegLoad, NXActionRegMove,
//     NXActionOutputReg, NXActionResubmitTable), the delete-by-cookie
//     FLOW_MOD, ONF bundle control and bundle-add messages, HELLO, FEATURES,
//     BARRIER and ECHO requests, SET_CONFIG, ERROR replies and
//     MULTIPART_REQUEST (flow stats through FlowStatsRequest). The bytes are
//     those OVS accepted from the former hand-written encoder
//     (TestEncodingMatchesGolden, testdata/wire.golden).
//   - decoded by libOpenflow: FEATURES_REPLY (SwitchFeatures), PORT_STATUS
//     (PortStatus), port descriptions (PhyPort), ERROR (ErrorMsg,
//     VendorError), goto-table instructions, and every action of the model
//     in flow stats and group desc replies (DecodeAction and the NXAction
//     types above), the meter instruction (InstrMeter) and the bands of
//     meter config replies (MeterBandHeader).
//
// libOpenflow's decoders trust length fields and panic on types they do not
// know. So ofapp frames every message, instruction and action itself and
// hands libOpenflow only length-checked slices whose capacity ends where the
// element does; each call runs under a recover (guard.go) that turns a
// panic into a ProtocolError, and the reader turns any panic into a session
// error with a log line. DecodePanics counts both.
//
// What stays hand-written, and why:
//
//   - FLOW_MOD (flowmod_wire.go, the bundle hot path). libOpenflow encodes
//     the same bytes but costs 2.6-4.2 us and 39 allocations per flow against
//     0.45 us and 5 (BenchmarkEncodeFlowMod; its MarshalBinary alone is
//     1.4 us and 16 allocations; it also writes out_port into out_group,
//     TestLibOpenflowFlowModOutGroupDefect, harmless while both are ANY).
//     BenchmarkInstallVsOvsOfctl's figures are in the table below.
//     The bundle-add head around each FLOW_MOD is encoded by libOpenflow once
//     per bundle and stamped with each message's xid: encoding it per message
//     added 5 allocations and 130 bytes per flow.
//
//   - OXM matches on decode, and set_field of eth_dst: libOpenflow's
//     EthDstField and EthSrcField decode into a nil address, and its match
//     decoder panics on NXM_OF fields (TestLibOpenflowEthDstDecodesEmpty,
//     TestLibOpenflowMultipartReplyPanics). libOpenflow encodes the
//     empty matches of delete-by-cookie and flow stats requests; the
//     matches inside FLOW_MOD are written by hand with the FLOW_MOD.
//
//   - Multipart reply framing, and the entries of flow stats, group desc and
//     group stats: MultipartReply has no types for group desc, group stats
//     or port desc and panics on them, and its FlowStats finds the
//     instructions after its lossy match decode.
//
//   - The meter instruction inside the hand-written FLOW_MOD (the same 8
//     bytes as libOpenflow's InstrMeter, TestMeterInstructionRoundTrip),
//     and the framing of meter config and meter stats replies and their
//     requests: libOpenflow's MultipartReply has no meter types.
//
//   - Port stats, table stats, and the port and group stats requests:
//     libOpenflow's PortStats, TableStats and PortStatsRequest have OpenFlow
//     1.0 layouts (TestLibOpenflowStatsAreOpenFlow10); it has no group stats
//     request.
//
//   - HELLO parsing (helloSupports13): common.Hello reads every byte after an
//     element header as version bitmaps and panics on a bitmap element whose
//     length is not a multiple of 4 (TestLibOpenflowHelloPanics).
//
//   - ONF's flow monitor for OpenFlow 1.3 (flowmonitor_wire.go,
//     Switch.MonitorFlows): libOpenflow has no flow monitor messages. Its
//     updates after the initial reply carry xid 0, which no request uses,
//     so the session hands them to a request registered under xid 0.
//
//   - ECHO_REPLY: libOpenflow's echo messages are a bare header and cannot
//     carry the request's payload back; PACKET_IN (only counted): its
//     decoder uses the lossy match decoder.
//
// BenchmarkInstallVsOvsOfctl (go test -run '^$' -bench InstallVsOvsOfctl
// -benchmem ./ofapp/), ofapp/ovs-ofctl time ratio and bytes allocated per
// flow, three runs each on a shared 2-core machine:
//
//	flows    hand-written (before)        FLOW_MOD through libOpenflow   as shipped
//	1000     0.154-0.175,  99-106 B       0.235-0.272, 1659-1691 B       0.167-0.173,  92-98 B
//	10000    0.393-0.485, 134-140 B       0.448-0.643, 1680-1710 B       0.368-0.457, 134-166 B
//	100000   0.461-0.576, 176-271 B       0.557-0.736, 1703-1706 B       0.399-0.542, 176-271 B
//
// Reading flows back costs more through libOpenflow's action decoders:
// BenchmarkDecodeFlowStats decodes 1000 such flows in 1.35 ms with 17
// allocations per flow, against 1.17 ms and 9 before; no benchmark bounds it,
// and a resync reads each flow once.
//
// libOpenflow's MessageStream is not used: it parses with 25 goroutines
// (reordering replies) and trusts length fields.
//
// A Controller listens (unix socket by default, tcp or ssl optional; OVS
// connects to unix sockets only inside its own run directory; an ssl
// listener takes its tls.Config, with client certificates required, from
// ListenWith) or connects actively to a
// switch's punix:/ptcp: listener. A unix socket is created with mode 0600
// whatever the umask (bound in a private directory, then linked to its
// path). Serve admits an accepted connection only if a unix peer is root,
// vtepd's user or one of Config.PeerUIDs (SO_PEERCRED), fewer than
// MaxConnections are open and fewer than MaxHandshakes are in handshake;
// the handshake must end HandshakeTimeout after accept. Until then a
// connection holds one goroutine and a 256-byte read buffer (about 6 KB in
// all, BenchmarkPendingConnection; 100 KB before the caps), and its queues
// and 64 KiB read buffer come after. Refusals are counted by reason
// (ConnStats) and logged at most once a second per reason. A newcomer that
// presents the datapath ID of a live session is refused if that session
// answers an echo within TakeoverProbe, and replaces it otherwise. Each
// connection becomes a Switch session:
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
// OVS 3.1 refuses meter mods inside a bundle (ONFBFC_MSG_UNSUP,
// TestMeterModNotBundlable). So Apply sends a batch's meter adds and
// modifies as plain METER_MODs, with a barrier, before the bundle that may
// use them, and its meter deletes after the bundle that stops using them.
// Meters are thus not atomic with the flows: a meter add that fails stops
// Apply before the bundle (flows unchanged, some meters possibly added),
// and a delete that fails after a committed bundle leaves an unused meter,
// which the next reconcile deletes.
//
// Sessions are independent: a slow or broken switch only ever blocks its own
// goroutines, and events queue without bound so a slow event reader never
// stalls a session. Every log line of a session carries its "dpid".
package ofapp
