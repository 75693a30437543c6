package agent

import (
	"net/netip"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/pipeline"
)

// Desired turns a validated configuration into the pipeline's desired
// state: the pure core knows the overlay, not the configuration file.
func Desired(cfg *config.Config) pipeline.Desired {
	d := pipeline.Desired{
		Replication: cfg.Flood.Mode == config.FloodReplication,
		Peers:       append(cfg.Flood.Peers[:0:0], cfg.Flood.Peers...),
		LocalIP:     cfg.Underlay.LocalIP.Addr(),
		UDPPort:     cfg.Underlay.UDPPort,
		MACAgeing:   cfg.MACAgeingSeconds(),
		Networks:    make([]pipeline.Network, 0, len(cfg.Networks)),
		// Other inputs (a control plane's VTEPs) may append to TrustedVTEPs.
		MaxMACsPerPort: cfg.MaxMACsPerPort,
		RestrictVTEPs:  cfg.RestrictVTEPs(),
		TrustedVTEPs:   cfg.TrustedVTEPs(),
	}
	for _, n := range cfg.Networks {
		// The configuration is validated: an empty or unknown mode is off.
		mode, _ := pipeline.ParseNeighMode(n.ARPSuppression)
		pn := pipeline.Network{VNI: n.VNI, VLAN: n.VLAN, Group: n.Group,
			Subnets: append(n.Subnets[:0:0], n.Subnets...), MaxMACs: cfg.NetworkMaxMACs(n),
			BUMPPS: cfg.NetworkBUMPPS(n), ARPSuppression: mode}
		if cfg.UsesEVPN(n.VNI) {
			// BGP fills its remote VTEPs and MACs (agent/evpn.go), and
			// the MAC+IP routes' bindings into Neighbours; it floods by
			// ingress replication, never to a group.
			pn.EVPN, pn.Group = true, netip.Addr{}
		}
		d.Networks = append(d.Networks, pn)
	}
	return d
}
