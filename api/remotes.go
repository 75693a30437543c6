package api

import "context"

// RemoteVTEP is one remote VTEP behind learned MACs (GET /v1/remotes):
// whether OVS's tunnel neighbour cache can reach it without dropping a
// packet to ARP first.
type RemoteVTEP struct {
	IP string `json:"ip"`
	// MACs is the number of learned MACs behind it (all VNIs).
	MACs int `json:"macs"`
	// NeighborMAC is its entry in OVS's tunnel neighbour cache ("" if none).
	NeighborMAC string `json:"neighbor_mac,omitempty"`
	// Resolved is true when OVS's cache holds it.
	Resolved bool `json:"resolved"`
	// Skipped says why vtepd never resolves this address (outside the
	// VTEP's subnet, multicast, ...); OVS reaches a VTEP beyond the subnet
	// through its router, whose entry is its own.
	Skipped string `json:"skipped,omitempty"`
}

// RemoteVTEPs reads GET /v1/remotes.
func (c *Client) RemoteVTEPs(ctx context.Context) ([]RemoteVTEP, error) {
	var rs []RemoteVTEP
	err := c.Get(ctx, "/v1/remotes", &rs)
	return rs, err
}
