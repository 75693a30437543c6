// Package labs builds real test networks on one machine: network namespaces
// as hosts, veth pairs as cables, Linux bridges as the underlay switch, and
// one Open vSwitch instance (ovsdb-server + ovs-vswitchd, userspace datapath)
// per hypervisor namespace, each with its own run directory.
//
// A topology is data (Topology: hypervisors, VMs, underlay); Build turns it
// into namespaces, links and OVS instances, and Lab.Close removes exactly
// what Build made. Every object's name starts with the lab's prefix, so
// Sweep can remove a lab whose builder was killed, and nothing else.
//
// What the machines here require shapes the package: there is no kernel OVS
// module, so bridges use datapath_type=netdev and ovs-vswitchd runs with
// --disable-system; every veth whose packets cross the userspace datapath
// has tx checksum offload turned off; and each OVS instance gets its own
// OVS_RUNDIR, because bridges' management sockets are created there.
package labs
