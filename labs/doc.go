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
// A lab may also hold FRR nodes (frr.go, routed.go): routers (a BGP EVPN
// route reflector, the PIM routers of a routed underlay with several
// switches) and physical VTEPs whose kernel VXLAN devices FRR drives over
// BGP EVPN. Each runs one FRR instance whose pathspace is its namespace's
// name; Lab.Vtysh runs vtysh there, and frrjson.go and pimjson.go parse
// FRR's JSON output.
//
// Labs that are up are recorded in their run dirs (State, SaveState,
// FindLab), so that later processes (vtepctl lab exec, status, down) find
// them; Status gathers what a running lab consists of and whether each part
// is alive.
//
// The package also holds every parser of OVS and iproute2 output the
// tools and tests read (ofctl.go: dump-flows, learned MACs through
// pipeline.DecodeLearned, port descriptions; iproute.go: bridge mdb/fdb,
// ip link/neigh, ping; tcpdump.go: captured VXLAN packets). They return
// typed results, skip lines of other shapes and refuse malformed flows with
// an error naming them. The walk-through of vtepctl lab demo is in the
// subpackage demo.
//
// What the machines here require shapes the package: there is no kernel OVS
// module, so bridges use datapath_type=netdev and ovs-vswitchd runs with
// --disable-system; every veth whose packets cross the userspace datapath
// has tx checksum offload turned off; and each OVS instance gets its own
// OVS_RUNDIR, because bridges' management sockets are created there.
package labs
