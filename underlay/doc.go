// Package underlay keeps in one place what vtep does to the physical network
// so that VXLAN can use IP multicast there, on OVS's userspace datapath:
//
//   - send: OVS's own tunnel router must route each group via a placeholder
//     gateway pinned to the group's multicast MAC (GroupRoute, through
//     ovs-vswitchd's control socket, Unixctl);
//   - receive: the underlay bridge rewrites group traffic to the VTEP's own
//     address so OVS decapsulates it (the "join" flows, produced by the
//     pipeline package for the underlay bridge);
//   - membership: a socket joins each group in use on the VTEP address, so an
//     IGMP-snooping underlay delivers the group's traffic to this VTEP and to
//     no VTEP that has not joined (Membership);
//   - neighbours: OVS drops a tunnel packet whose next hop its own cache has
//     not resolved, so vtepd resolves replication peers (PeerNeighbor) and
//     keeps the learned remote VTEPs of multicast mode resolved, deciding
//     which addresses it may resolve and when (CheckRemote, PlanRemotes).
package underlay
