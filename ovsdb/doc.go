// Package ovsdb is how vtep configures Open vSwitch: it speaks OVSDB
// (RFC 7047) to ovsdb-server instead of running ovs-vsctl.
//
// In vtep's one-way data flow (config -> desired state -> flows), this
// package holds everything written to or read from the switch database:
// the bridges (userspace datapath, fail mode, OpenFlow 1.3, controller
// targets, fixed datapath IDs), the flow-based VXLAN port (remote_ip=flow,
// key=flow), plain uplink and VM ports, the names of the OpenFlow tables
// (so flow dumps show "classify" rather than "0"), and the read side the
// pipeline needs: each port's ofport, tag, trunks, type and MAC.
//
// Layers, bottom up:
//   - value.go, row.go, op.go: RFC 7047 values (UUID, NamedUUID, Set, Map),
//     rows and the transaction operations insert, update, mutate, delete,
//     select, wait and comment, each marshalling to its JSON form.
//   - wire.go: wireConn, one connection and the one place requests are
//     matched to replies. Its receive loop alone reads the socket; call
//     gives each request a fresh id ("vtep-N"), and the reply carrying that
//     id goes to that caller, once. Nothing parses outgoing requests.
//   - handshake.go: the check of each new connection, by go-openvswitch's
//     client (see below).
//   - client.go, transact.go: Client: Transact (a call of method
//     "transact" whose reply is decoded in full: insert UUIDs, counts,
//     rows, per-operation errors), the echo probe, reconnection with
//     backoff. A comment op ends every transaction ("vtep: WHAT (txn N)"),
//     only to label it in ovsdb-server's log. Errors are typed:
//     *TransactError names operation, table, column and value; *ConnError
//     matches ErrDisconnected, for a connection down or lost while a caller
//     waited; ctx bounds every wait.
//   - schema.go: typed rows for Open_vSwitch, Bridge, Port, Interface,
//     Controller and Flow_Table.
//   - spec.go, plan.go, ensure.go: desired state (BridgeSpec, PortSpec,
//     VXLAN) and the operations the daemon calls. Each Ensure reads the
//     tables, plans only the differences and commits them in one
//     transaction guarded by wait operations on the rows it relied on (and
//     retries if another writer got there first). It reports whether
//     anything changed, so calling it again with the same state is a no-op.
//   - monitor.go: Monitor subscribes to tables and columns (RFC 7047
//     "monitor") and hands the initial rows, then each update, to a
//     handler; the subscription outlives reconnects (it is sent again on
//     each new connection, with the rows afresh). controller.go reads what
//     ovs-vswitchd says about a bridge's controllers (ControllerStatus).
//
// Replies and the unexpected. Each reply is delivered to the caller waiting
// for its id and that entry is removed, so a second reply to the same id,
// or a reply to an id never sent, finds nobody: it is dropped, logged and
// counted (MonitorStats.Malformed). A caller that gives up (its ctx ended)
// leaves its id behind, and the reply that comes later is dropped quietly
// and counted apart (MonitorStats.Late). Replies may come in any order.
// Server notifications ("update") go to the monitors; a message that is
// not JSON-RPC, or a request the client does not serve, is dropped and
// counted; the server's echo requests are answered. A read error, also in
// the middle of a message, ends the connection: every caller in flight
// gets a *ConnError at once, and Client reconnects and re-subscribes.
//
// Where go-openvswitch does the work, and where it cannot. Its ovsdb
// client checks every new connection before anything else is sent on it:
// ListDatabases must list the client's database (else Dial fails with
// ErrUnknownDatabase naming it, and a reconnect is retried), and Echo must
// come back intact. For that long it holds the connection (its requests
// are written as they are, and wireConn hands it the replies no call waits
// for, never a message with a null id, on which it would crash); then it
// is closed, and only then does wireConn send requests of its own. So each
// request is matched to its reply once, by whichever of the two holds the
// connection, never by both. The client cannot do more: its Transact
// decodes select rows only (losing insert UUIDs, counts and per-operation
// errors, which Ensure's plans depend on), it has no monitor call and
// dereferences the null id of every notification, and its request and
// callback machinery is private, so a transaction or a monitor cannot go
// through it without a second correlation of replies on the same
// connection. That is also why the probe of a live connection (WithProbe)
// is wireConn's own echo call: go-openvswitch's Echo would need its client
// on the connection for the session's whole life. Its Cond and Select
// carry string values only (no UUIDs, sets or maps) and Select has no
// columns, so the operations here are this package's own. Its ovs
// package's flow parser (ovs.Flow.UnmarshalText) was tried on this
// project's flows for the labs: it rejects goto_table, the instruction
// most of the pipeline's flows end with, and keeps no hard_timeout, so the
// labs keep their own parser of ovs-ofctl output.
package ovsdb
