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
//     select, wait and comment, each a go-openvswitch TransactOp.
//   - client.go, wire.go: Client, built on the go-openvswitch ovsdb client,
//     which frames JSON-RPC and matches replies. A thin connection wrapper
//     recovers what that client drops (per-operation results and errors),
//     reports a lost connection to callers in flight, and Client reconnects
//     with backoff. Errors are typed: *TransactError names operation,
//     table, column and value; *ConnError matches ErrDisconnected.
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
// Where go-openvswitch does the work, and where it cannot: its client
// frames JSON-RPC, numbers requests, matches replies to callers and
// honours their contexts, and this package sends every transaction and
// echo through it. It has no monitor call and no notification handling at
// all: a server notification ("update", with a null id) would crash its
// receive loop (it dereferences the id), as would a reply with a null id.
// So wireConn, the connection it reads from, takes every message before
// it does: it sends the monitor request itself under ids of its own, keeps
// the replies to those, hands notifications to Client (which decodes them
// and calls the monitor's handler, counting and logging anything
// malformed, see MonitorStats), and drops, counted and logged, whatever
// else is not a reply the go-openvswitch client waits for.
package ovsdb
