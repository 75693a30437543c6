package agent

import (
	"context"
	"fmt"
	"net"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/ovsdb"
	"github.com/vtep/vtep/pipeline"
)

// TunnelPortName is the name of the flow-based VXLAN port vtepd keeps on the
// overlay bridge.
const TunnelPortName = pipeline.TunnelPortName

// readState reads from OVSDB what the pipeline needs besides the
// configuration: the tunnel port's number, the VM ports with their VLAN
// columns, and the underlay bridge's uplink port and MAC.
func (a *Agent) readState(ctx context.Context, cfg *config.Config) (pipeline.State, error) {
	st := pipeline.State{Desired: Desired(cfg)}
	st.Desired.FrozenMACs = a.flaps.desired()
	if a.evpn != nil {
		a.evpn.fill(&st.Desired)
	}
	ports, err := a.ports.ListPorts(ctx, cfg.Bridge)
	if err != nil {
		return st, err
	}
	for _, p := range ports {
		switch {
		case p.Name == TunnelPortName:
			if p.Ofport <= 0 {
				return st, fmt.Errorf("tunnel port %s on %s has no OpenFlow port yet (ofport %d, error %q)", p.Name, cfg.Bridge, p.Ofport, p.Error)
			}
			st.TunnelPort = uint32(p.Ofport)
		case p.Name == cfg.Bridge && p.Type == "internal":
			// the bridge's own port: not a VM
		case p.Ofport <= 0:
			a.log.WithFields(map[string]any{"port": p.Name, "error": p.Error}).Debug("port without an OpenFlow port yet, left out")
		default:
			vp := pipeline.Port{Name: p.Name, OFPort: uint32(p.Ofport), MTU: p.MTU}
			if p.Tag != nil {
				vp.Tag = uint16(*p.Tag)
			}
			for _, t := range p.Trunks {
				vp.Trunks = append(vp.Trunks, uint16(t))
			}
			vp.Secured, vp.AllowedMACs = portSecurity(a.log, p)
			vp.IPSecured, vp.AllowedIPs = portAllowedIPs(a.log, p, vp.Secured)
			st.Ports = append(st.Ports, vp)
		}
	}
	if st.TunnelPort == 0 {
		return st, fmt.Errorf("tunnel port %s not found on bridge %s", TunnelPortName, cfg.Bridge)
	}
	u, err := a.readUnderlay(ctx)
	if err != nil {
		return st, err
	}
	st.Underlay = u
	a.mtu.check(st)
	return st, nil
}

func (a *Agent) readUnderlay(ctx context.Context) (pipeline.Underlay, error) {
	cfg := a.config()
	var u pipeline.Underlay
	ports, err := a.ports.ListPorts(ctx, cfg.Underlay.Bridge)
	if err != nil {
		return u, fmt.Errorf("underlay.bridge %q: %w", cfg.Underlay.Bridge, err)
	}
	var uplink *ovsdb.PortInfo
	for i, p := range ports {
		switch p.Name {
		case cfg.Underlay.Uplink:
			uplink = &ports[i]
			u.MTU = minKnownMTU(u.MTU, p.MTU)
		case cfg.Underlay.Bridge:
			u.BridgeMAC = append(net.HardwareAddr(nil), p.MAC...)
			u.MTU = minKnownMTU(u.MTU, p.MTU)
		}
	}
	if cfg.Underlay.Uplink != "" {
		if uplink == nil {
			return u, fmt.Errorf("underlay.uplink %q is not a port of bridge %q", cfg.Underlay.Uplink, cfg.Underlay.Bridge)
		}
		if uplink.Ofport <= 0 {
			return u, fmt.Errorf("underlay.uplink %q has no OpenFlow port (ofport %d, error %q): %w", uplink.Name, uplink.Ofport, uplink.Error, errUnderlayNotReady)
		}
		u.UplinkPort = uint32(uplink.Ofport)
	}
	if len(u.BridgeMAC) == 0 {
		return u, fmt.Errorf("underlay.bridge %q: its internal port has no MAC yet: %w", cfg.Underlay.Bridge, errUnderlayNotReady)
	}
	return u, nil
}
