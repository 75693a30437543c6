package pipeline

import (
	"net"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/ofapp"
)

// State is everything Build needs: the configuration and what vtepd read
// from OVSDB. Build does not modify it.
type State struct {
	// Config is the validated configuration (networks, flood mode, peers,
	// MAC ageing, UDP port, local IP).
	Config *config.Config
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
}

// Result is what Build produces, each list in a deterministic order.
type Result struct {
	// Overlay are the overlay bridge's flows, in table order; within a
	// table, per-VNI flows by VNI, then per-port flows by port.
	Overlay []ofapp.Flow
	// Groups are the overlay bridge's groups by id (replication mode: one
	// type-all group per VNI, id = VNI, one bucket per peer).
	Groups []ofapp.GroupEntry
	// Underlay are the underlay bridge's flows: a join per multicast group
	// in use (by group address), then the normal-switching default.
	Underlay []ofapp.Flow
}
