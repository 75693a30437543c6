// Package agenttest holds plain fakes of what vtepd's agent talks to, so
// that its reconcile loop can be tested without root, OVS or sockets:
//
//   - Switch: an OpenFlow switch whose flow tables are a
//     pipelinetest.Switch. It applies ofapp.Batch values all or nothing
//     in bundle order, answers flow reads by cookie and mask, group and
//     meter reads as OVS does (meter drops set by SetMeterDrops), and can
//     run packets through what it holds.
//   - Ports: OVSDB as the agent reads it (bridges' ports with their VLAN
//     columns, datapath IDs, controller status).
//   - Unixctl: ovs-vswitchd's control socket, keeping OVS's tunnel routes,
//     tunnel receive addresses and tunnel neighbour cache in memory, with
//     OVS's quirk that deleting any route through a bridge stops tunnel
//     receive on its addresses until a route through it is added again
//     (see underlay.Reregister).
//   - Membership: the IGMP membership holder.
//
// Each fake records what it was asked and can be told to fail an
// operation (Fail), so tests can check retries and health checks. The
// fakes are safe for concurrent use. They satisfy the agent's interfaces
// (agent.Switch, agent.PortSource, agent.Unixctl, agent.Membership) by
// their method sets; this package does not import the agent.
package agenttest
