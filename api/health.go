package api

// Names of the health checks.
const (
	CheckOverlayBridge  = "overlay_bridge"  // OpenFlow session to the overlay bridge
	CheckUnderlayBridge = "underlay_bridge" // OpenFlow session to the underlay bridge
	CheckProgrammed     = "programmed"      // the last reconcile succeeded
	CheckTunnelReceive  = "tunnel_receive"  // OVS decapsulates VXLAN sent to the VTEP IP
	CheckGroupRoutes    = "group_routes"    // every group in use has its tunnel route
	CheckEVPN           = "evpn"            // every BGP EVPN session is established
)

// Check is the result of one health check.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Health is vtepd's health: healthy when every check passes.
type Health struct {
	Healthy bool    `json:"healthy"`
	Checks  []Check `json:"checks"`
}

// Failed returns the checks that did not pass.
func (h Health) Failed() []Check {
	var out []Check
	for _, c := range h.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}
