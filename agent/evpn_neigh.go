package agent

import (
	"bytes"
	"context"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/evpn"
	"github.com/vtep/vtep/pipeline"
)

// ARP suppression and EVPN meet both ways: received MAC+IP routes become
// static bindings (evpnPlane.fill), and the bindings of this VTEP's own
// MACs, learned from their ARP, go out as MAC+IP routes (here).

// localBindings reads the bindings of table neigh when an EVPN network
// suppresses ARP (nil otherwise, without reading the bridge).
func (a *Agent) localBindings(ctx context.Context, cfg *config.Config) ([]pipeline.Binding, error) {
	wanted := false
	for _, n := range cfg.Networks {
		if cfg.UsesEVPN(n.VNI) && n.ARPSuppression != "" && n.ARPSuppression != "off" {
			wanted = true
		}
	}
	if !wanted {
		return nil, nil
	}
	fs, err := a.neighFlows(ctx)
	if err != nil {
		return nil, err
	}
	var out []pipeline.Binding
	for _, f := range fs {
		if b, err := pipeline.DecodeNeigh(neighFlow(f)); err == nil {
			out = append(out, b)
		}
	}
	return out, nil
}

// withBindings gives each local MAC the addresses bound to it in its
// network (IPv4 and IPv6): one MAC+IP entry per binding instead of the MAC-only one (a
// receiver keeps one route per MAC, so a MAC-only route beside them could
// hide the address). MACs without a binding stay MAC-only.
func withBindings(locals []evpn.LocalMAC, bindings []pipeline.Binding) []evpn.LocalMAC {
	if len(bindings) == 0 {
		return locals
	}
	out := make([]evpn.LocalMAC, 0, len(locals))
	for _, m := range locals {
		bound := false
		for _, b := range bindings {
			if b.VNI == m.VNI && bytes.Equal(b.MAC, m.MAC) && b.IP.IsValid() {
				withIP := m
				withIP.IP = b.IP
				out = append(out, withIP)
				bound = true
			}
		}
		if !bound {
			out = append(out, m)
		}
	}
	return out
}
