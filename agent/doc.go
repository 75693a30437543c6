// Package agent is vtepd's core. It connects what the other packages do:
//
//	config ──> agent ──ovsdb──> overlay bridge (secure, vtepd is its controller), VXLAN port, table names
//	             │  ──ofapp───> overlay bridge flows/groups (passive: OVS connects to openflow.listen)
//	             │  ──ofapp───> underlay bridge join flows (active: vtepd dials BRIDGE.mgmt)
//	             │  ──underlay> OVS tunnel routes for groups (vswitchd control socket), IGMP joins
//	             └─ api ──────> vtepctl (local HTTP/JSON on api.listen: types and client in package api,
//	                             routes in routes.go, trace explanations from package trace)
//
// One loop owns all changes. A reconcile reads OVSDB (ports with their VLAN
// columns, the tunnel and uplink port numbers, the underlay bridge's MAC),
// builds the wanted flows with the pure pipeline package, reads what each
// switch has (flow stats filtered by vtep's programmed cookie), and applies
// the difference (Diff) in one ONF bundle per switch. Flows are compared by
// key (table, priority, match) and cookie, whose digest covers actions and
// timeouts, so an unchanged configuration changes nothing on restart and
// learned flows are never touched, except that a port's deletion removes
// the MACs learned on it (portgone.go). Reconciles are triggered at start, when a
// bridge (re)connects, on every PORT_STATUS of the overlay bridge, on every
// OVSDB update of the columns vtepd reads (monitor.go: a monitor, updates
// within 50 ms coalesced, sent again with a reconcile after a reconnect),
// on SIGHUP (Reload: a configuration that fails validation or changes what
// needs a restart is refused whole), when a MAC is frozen or flushed, and
// periodically as a safety net.
//
// The reconcile reaches switches, OVSDB, ovs-vswitchd and the membership
// holder only through the narrow interfaces of deps.go (Switch, Switches,
// PortSource, Unixctl, Membership). Run sets them to the real clients;
// the package's root-free tests set them to the fakes of agent/agenttest,
// whose switch keeps its flows in a pipelinetest.Switch and whose
// ovs-vswitchd keeps tunnel routes, tunnel receive addresses and the
// neighbour cache in memory, so the loop is tested without OVS.
//
// Files by concern: agent.go (the loop), deps.go (the interfaces),
// bridges.go (start-up, the underlay connection), events.go (switch
// events), reconcile.go (diff and apply), groups.go (tunnel routes and
// IGMP), tunnelrx.go (OVS listening on the VTEP address), health.go
// (health checks), reload.go (SIGHUP), routes.go and api*.go (the local
// API), metrics.go (Prometheus), portgone.go (a deleted port's learned
// MACs), flaps.go (MAC-flap detection: frozen MACs join the desired
// state), ovsdrops.go (OVS's own tunnel drop counters), uplinkarp.go (the
// uplink's arp_ignore, a warning in the log and status). The tests' rig (rig_test.go) wires an agent to the fakes.
//
// The underlay bridge keeps standalone fail mode and no controller, so it
// keeps switching normally whatever happens to vtepd; vtepd adds its join
// flows through the bridge's management socket, and they stay if vtepd
// stops. Forwarding never needs vtepd: OVS learns in the data plane, and no
// flow sends packets to the controller.
package agent
