package pipeline

import (
	"net"
	"net/netip"
	"slices"

	"github.com/vtep/vtep/ofapp"
)

// Desired is the overlay as the operator wants it: what Build takes from
// vtepd's configuration, with nothing of the file's format. vtepd fills it
// from a validated configuration (agent.Desired).
type Desired struct {
	// Networks are the overlay networks, in any order.
	Networks []Network
	// Replication sends BUM frames to Peers (head-end replication);
	// otherwise each network's BUM frames go to its Group.
	Replication bool
	// Peers are the other VTEPs (replication).
	Peers []netip.Addr
	// LocalIP is this VTEP's underlay address.
	LocalIP netip.Addr
	// UDPPort is the VXLAN UDP destination port.
	UDPPort uint16
	// RestrictVTEPs makes classify accept tunnel frames only from
	// TrustedVTEPs; false accepts them from any outer source.
	RestrictVTEPs bool
	// TrustedVTEPs are the outer IPv4 sources (tun_src) tunnel frames may
	// come from when RestrictVTEPs is set; frames from any other source are
	// dropped before anything is learned from them. vtepd fills it from
	// underlay.trusted_vteps and, in replication mode, the peers; other
	// inputs (a control plane's VTEPs) may add to it.
	TrustedVTEPs []netip.Prefix
	// MaxMACsPerPort bounds the MACs learned on one local port in one
	// network (0: only the network's MaxMACs).
	MaxMACsPerPort uint32
	// MACAgeing is the lifetime of a learned MAC after its last frame as a
	// source, in seconds (1..65535).
	MACAgeing uint16
	// FrozenMACs are MACs pinned to one place (MAC-flap detection), in any
	// order; see frozen.go.
	FrozenMACs []FrozenMAC
}

// Network is one overlay network: its VNI, the local VLAN that carries it
// (0: none), its underlay multicast group (multicast mode) and the
// destination subnets that classify untagged frames into it.
type Network struct {
	VNI     uint32
	VLAN    uint16
	Group   netip.Addr
	Subnets []netip.Prefix
	// MaxMACs bounds the MACs learned behind remote VTEPs in the network,
	// and those learned on each local port (0: no limit). See doc.go, MAC
	// limits.
	MaxMACs uint32
	// BUMPPS is the rate, in packets per second, above which BUM frames
	// from local ports are dropped (storm control; 0: no limit).
	BUMPPS uint32
	// ARPSuppression says where the network's ARP responder takes its
	// IP -> MAC bindings from (NeighOff: no responder). See neigh.go.
	ARPSuppression NeighMode
	// Neighbours are static IP -> MAC bindings the responder answers for
	// (with ARPSuppression other than NeighOff), in any order: IPv4 ones
	// answer ARP, IPv6 ones neighbour solicitations.
	// A control plane appends its MAC+IP routes here.
	Neighbours []Neighbour
	// EVPN says a BGP EVPN control plane serves the network: nothing is
	// learned from the tunnel, MACs behind remote VTEPs are RemoteMACs,
	// floods go to FloodVTEPs (ingress replication) instead of a group or
	// the peers, and tunnel frames are accepted only from those VTEPs.
	EVPN bool
	// FloodVTEPs are the remote VTEPs that announced the network (EVPN
	// type-3 routes), in any order.
	FloodVTEPs []netip.Addr
	// RemoteMACs are the network's MACs behind remote VTEPs (EVPN type-2
	// routes), in any order, each MAC once.
	RemoteMACs []RemoteMAC
}

// Groups returns the distinct multicast groups the networks use, ascending
// (none in replication mode).
func (d Desired) Groups() []netip.Addr {
	if d.Replication {
		return nil
	}
	var out []netip.Addr
	for _, n := range d.Networks {
		if n.Group.IsValid() && !slices.Contains(out, n.Group) {
			out = append(out, n.Group)
		}
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return out
}

// State is everything Build needs: the desired overlay and what vtepd read
// from OVSDB. Build does not modify it.
type State struct {
	// Desired is the overlay as configured.
	Desired Desired
	// TunnelPort is the OpenFlow port of the overlay bridge's flow-based
	// VXLAN port (remote_ip=flow, key=flow).
	TunnelPort uint32
	// Ports are the overlay bridge's other ports (the VMs), in any order.
	Ports []Port
	// Underlay describes the underlay bridge.
	Underlay Underlay
}

// Port is one port of the overlay bridge as OVSDB describes it.
//
// VLAN membership follows OVS's default vlan_mode:
//   - Tag set: an access port of VLAN Tag. Frames arrive and leave
//     untagged; tagged frames are dropped. Trunks is ignored, as OVS
//     ignores it when tag is set and vlan_mode is empty.
//   - Tag 0, Trunks set: a trunk of the listed VLANs. Frames arrive and
//     leave tagged; untagged frames are dropped.
//   - Neither: an untagged port. It is a member of every network that has
//     subnets, classified by destination address, and of no VLAN. (OVS
//     treats an empty trunks as "all VLANs"; vtep does not, so a plain VM
//     port never receives every VNI's floods.)
//
// VLANs that map to no network give the port no flows: its frames in those
// VLANs hit the drop-unknown-vlan flow.
type Port struct {
	Name   string
	OFPort uint32
	// Tag is OVSDB's tag column, 0 when empty.
	Tag uint16
	// Trunks is OVSDB's trunks column.
	Trunks []uint16
	// Secured restricts the port's frames to source MACs in AllowedMACs
	// (none: every frame is dropped), and makes each of those MACs a
	// static entry of the port that no other port and no tunnel frame can
	// move. vtepd sets it from the interface's external_ids attached-mac
	// and vtep-allowed-macs.
	Secured bool
	// AllowedMACs are the unicast source MACs a secured port may send from.
	AllowedMACs []net.HardwareAddr
	// AllowedIPs are the IPv4 addresses a secured port may send from
	// (vtep-allowed-ips): its ARP must claim one of them (or 0.0.0.0, a
	// probe) and its IPv4 packets must come from one of them (or be a DHCP
	// client's request from 0.0.0.0), in every network (portsecip.go).
	// Only those are learned as its ARP bindings, and with one allowed
	// MAC each is a static binding (neigh.go). Empty: MACs only, unless
	// IPSecured.
	AllowedIPs []netip.Addr
	// IPSecured checks a secured port's ARP and IPv4 against AllowedIPs
	// even when it is empty (vtep-allowed-ips set with no valid address:
	// only probes and DHCP requests pass, fail closed).
	IPSecured bool
	// MTU is the interface's MTU as OVS reports it, 0 when unknown (see
	// Oversize).
	MTU int
}

// Underlay describes the underlay bridge, needed for multicast mode's join
// flows.
type Underlay struct {
	// UplinkPort is the OpenFlow port of underlay.uplink on the underlay
	// bridge.
	UplinkPort uint32
	// BridgeMAC is the Ethernet address of the underlay bridge's internal
	// port, which holds the VTEP IP.
	BridgeMAC net.HardwareAddr
	// MTU is the smallest MTU of the underlay bridge's internal port and
	// the uplink, which every encapsulated frame crosses; 0 when unknown.
	MTU int
}

// Result is what Build produces, each list in a deterministic order.
type Result struct {
	// Overlay are the overlay bridge's flows, in table order; within a
	// table, per-VNI flows by VNI, then per-port flows by port.
	Overlay []ofapp.Flow
	// Groups are the overlay bridge's groups by id (replication mode: one
	// type-all group per VNI, id = VNI, one bucket per peer).
	Groups []ofapp.GroupEntry
	// Meters are the overlay bridge's meters by id (one per VNI with a
	// BUM rate, id = VNI), used by the VNI's flood flow for frames from
	// local ports.
	Meters []ofapp.MeterEntry
	// Underlay are the underlay bridge's flows: a join per multicast group
	// in use (by group address), then the normal-switching default.
	Underlay []ofapp.Flow
}
