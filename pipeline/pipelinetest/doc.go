// Package pipelinetest runs packets through flow tables without a switch,
// so tests can ask behavioural questions ("does a broadcast from port 1
// reach port 2, and the tunnel with tun_dst 239.1.1.1?") instead of
// comparing flow text.
//
// Switch is a small, pure interpreter of the OpenFlow subset vtep's
// pipeline uses: OXM/NXM matches with masks and priorities, apply-actions
// (output, output to a register, push/pop/set VLAN, set_field on tunnel,
// IPv4 and Ethernet destination, register load and move, resubmit, group of
// type all, learn, which adds the learned flow to the simulated table) and
// goto_table. A simulated clock (Switch.Advance) expires flows by their
// idle and hard timeouts as OVS does, a repeated learn refreshing the hard
// timeout (see ageing.go). It is strict where OVS would silently do something the
// pipeline never means to: two matching flows of equal priority, popping a
// missing VLAN tag or pushing a second one are errors.
//
// A Switch also takes changes as a controller sends them (batch.go):
// Apply applies an ofapp.Batch as OVS commits an ONF bundle, all or
// nothing and in bundle order, with strict deletes, deletes by cookie,
// group changes and meter changes (meters are kept, not simulated: a
// metered flow forwards every packet), and FlowStats, Groups and Meters
// read back what it holds. The
// agent's fake switch (agent/agenttest) is built on it.
package pipelinetest
