package api

import "time"

// Status is the answer to GET /v1/status.
type Status struct {
	Version string `json:"version"`
	// Ready is true once vtepd has programmed its bridges completely once.
	Ready             bool            `json:"ready"`
	Bridge            string          `json:"bridge"`
	OverlayDPID       string          `json:"overlay_dpid"`
	OverlayConnected  bool            `json:"overlay_connected"`
	UnderlayBridge    string          `json:"underlay_bridge"`
	UnderlayConnected bool            `json:"underlay_connected"`
	LocalIP           string          `json:"local_ip"`
	FloodMode         string          `json:"flood_mode"`
	Peers             []string        `json:"peers,omitempty"`
	Networks          []NetworkStatus `json:"networks"`
	Ports             []PortStatus    `json:"ports"`
	GroupsJoined      []string        `json:"groups_joined"`
	PacketIns         uint64          `json:"packet_ins"`
	Health            Health          `json:"health"`
	// TunnelReceiveRepairs counts the times vtepd found OVS not listening
	// for VXLAN on the VTEP address and re-registered it.
	TunnelReceiveRepairs uint64 `json:"tunnel_receive_repairs"`
	// OVSTunnelDrops are the tunnel packets ovs-vswitchd dropped before any
	// flow saw them (bad VXLAN headers, truncated frames), by reason, read
	// from its coverage counters; nil when they could not be read, with
	// OVSTunnelDropsError saying why.
	OVSTunnelDrops      map[string]uint64 `json:"ovs_tunnel_drops,omitempty"`
	OVSTunnelDropsError string            `json:"ovs_tunnel_drops_error,omitempty"`
	// MACMoves counts the moves of learned MACs vtepd saw; MACFlaps the
	// MACs frozen for flapping since vtepd started; FrozenMACs is how many
	// are frozen now (vtepctl macs flags them).
	MACMoves   uint64 `json:"mac_moves"`
	MACFlaps   uint64 `json:"mac_flaps"`
	FrozenMACs int    `json:"frozen_macs"`
	Stats      Stats  `json:"stats"`

	// Uplink is the uplink's ARP setting as last read; nil when no
	// underlay.uplink is configured.
	Uplink *UplinkStatus `json:"uplink,omitempty"`

	// UnderlayMTU is the smallest MTU of the underlay bridge's internal
	// port and the uplink, 0 when unknown; VM ports may use it minus 50.
	UnderlayMTU int `json:"underlay_mtu,omitempty"`
}

// NetworkStatus is one configured network.
type NetworkStatus struct {
	VNI     uint32   `json:"vni"`
	VLAN    uint16   `json:"vlan,omitempty"`
	Group   string   `json:"group,omitempty"`
	Subnets []string `json:"subnets,omitempty"`
	// BUMPPS is the network's storm-control rate (0: none); BUMDropped
	// the BUM frames from local ports its meter dropped, nil when the
	// meter could not be read or there is none.
	BUMPPS     uint32  `json:"bum_pps,omitempty"`
	BUMDropped *uint64 `json:"bum_dropped,omitempty"`
	// ARPSuppression is the network's ARP responder mode (learned,
	// static; empty when off).
	ARPSuppression string `json:"arp_suppression,omitempty"`
	// LearningPaused are the places ("port NAME", "vtep ADDRESS") that
	// stopped learning in the network for a few seconds because max_macs
	// refused a burst of new source MACs, the last from them (their frames
	// still flood).
	LearningPaused []string `json:"learning_paused,omitempty"`
}

// PortStatus is one VM port as vtepd last read it.
type PortStatus struct {
	Name   string   `json:"name"`
	OFPort uint32   `json:"ofport"`
	Tag    uint16   `json:"tag,omitempty"`
	Trunks []uint16 `json:"trunks,omitempty"`
	VNIs   []uint32 `json:"vnis"`

	// MTU is the port's interface MTU, 0 when OVS does not report one.
	// Oversize is true when it is above the underlay's MTU minus VXLAN's
	// 50 bytes: the port can send frames the underlay cannot carry.
	MTU      int  `json:"mtu,omitempty"`
	Oversize bool `json:"oversize,omitempty"`
}

// Stats are counters the agent keeps about its own work.
type Stats struct {
	Reconciles     uint64
	FlowMods       uint64 // flows and groups added, modified or deleted
	Bundles        uint64 // bundles committed
	LastReconcile  time.Time
	LastDuration   time.Duration
	LastError      string
	LastErrorTime  time.Time
	Errors         uint64
	ConfigReloads  uint64 // reloads applied: the switches have the new state
	ReloadRejected uint64 // reloads refused whole (unreadable, invalid, restart-only): nothing changed
	ReloadFailed   uint64 // reloads accepted whose reconcile failed (retried)
	// ReloadRejections counts refused reloads by reason (RejectUnreadable, ...).
	ReloadRejections map[string]uint64 `json:",omitempty"`
	LastReloadError  string            `json:",omitempty"`
	LastReloadTime   time.Time
}
