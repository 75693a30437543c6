package api

// MACEntry is one learned MAC.
type MACEntry struct {
	MAC string `json:"mac"`
	VNI uint32 `json:"vni"`
	// Remote is true for MACs behind another VTEP (learned from the tunnel).
	Remote bool `json:"remote"`
	// VTEP is the remote VTEP's IPv4 address (remote entries).
	VTEP string `json:"vtep,omitempty"`
	// Port and OFPort name the port the MAC was learned on: a local VM port,
	// or the tunnel port for remote entries.
	Port   string `json:"port"`
	OFPort uint32 `json:"ofport"`
	// VLAN is the local VLAN of the VNI on Port (local entries; 0 for
	// untagged ports).
	VLAN uint16 `json:"vlan,omitempty"`
	// Age is the time in seconds since the entry was learned at its
	// current place: the learned flow's duration, or the time since vtepd
	// saw the MAC move there when that is shorter (a move rewrites the flow
	// in place, which keeps its duration running).
	Age         float64 `json:"age_s"`
	IdleTimeout uint16  `json:"idle_timeout"`
	// HardTimeout is mac_ageing: the entry goes that long after its MAC
	// was last seen as a source.
	HardTimeout uint16 `json:"hard_timeout"`
	Hits        uint64 `json:"hits"`
	// Frozen is true for a MAC frozen at this place because it flapped
	// (moved mac_flap.max_moves times within mac_flap.window); Age is
	// then the time since it froze. vtepctl macs flush releases it.
	Frozen bool `json:"frozen,omitempty"`
	// FlappedWith is the other place a frozen MAC moved to and fro.
	FlappedWith string `json:"flapped_with,omitempty"`
	// Source says where the entry comes from: learned (the data plane),
	// static (port security) or evpn (a BGP type-2 route).
	Source string `json:"source"`
	// Seq is the MAC mobility sequence number of an evpn entry, or of
	// this VTEP's advertisement of a local one.
	Seq uint32 `json:"seq,omitempty"`
}

// MACKey names a MAC in a VNI.
type MACKey struct {
	VNI uint32 `json:"vni"`
	MAC string `json:"mac"`
}

// FlushResult is the answer to POST /v1/macs/flush: the MACs unfrozen.
type FlushResult struct {
	Unfrozen []MACKey `json:"unfrozen"`
}
