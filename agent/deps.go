package agent

import (
	"context"
	"net"

	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/ovsdb"
	"github.com/vtep/vtep/underlay"
)

// What the reconcile needs of the world, as narrow interfaces. Run sets
// them to the real clients (OVSDB, the OpenFlow controller and its
// sessions, ovs-vswitchd's control socket, the membership holder); the
// root-free tests of this package set them to the fakes of package
// agent/agenttest, which keep OVS's tables in memory.

// Switch is what the agent reads from and writes to one OpenFlow switch:
// its flows filtered by cookie, its groups, its meters, and batches of
// changes, each applied atomically (meter mods around the bundle, see
// ofapp.Batch.AddMeters). *ofapp.Switch is one.
type Switch interface {
	DPID() uint64
	Flows(ctx context.Context, cookie, mask uint64) ([]ofapp.FlowStats, error)
	TableFlows(ctx context.Context, table uint8, cookie, mask uint64) ([]ofapp.FlowStats, error)
	Groups(ctx context.Context) ([]ofapp.GroupStats, error)
	Meters(ctx context.Context) ([]ofapp.MeterStats, error)
	Apply(ctx context.Context, b *ofapp.Batch) error
}

// PortSwitch is a Switch that also describes its ports, which the overlay
// bridge's departed-port check reads (portgone.go).
type PortSwitch interface {
	Switch
	PortDescs(ctx context.Context) ([]ofapp.Port, error)
}

// Switches finds the connected switch of each bridge vtepd programs; ok is
// false while a bridge has no session.
type Switches interface {
	Overlay() (sw Switch, ok bool)
	Underlay() (sw Switch, ok bool)
}

// PortSource reads bridges from OVSDB: their ports with VLAN columns,
// OpenFlow port numbers and MACs, a bridge's datapath ID and its
// controllers' status. *ovsdb.Client is one.
type PortSource interface {
	ListPorts(ctx context.Context, bridge string) ([]ovsdb.PortInfo, error)
	DatapathID(ctx context.Context, bridge string) (uint64, error)
	ControllerStatus(ctx context.Context, bridge string) ([]ovsdb.ControllerStatus, error)
}

// Unixctl runs ovs-vswitchd control commands (tunnel routes, tunnel
// receive ports, the tunnel neighbour cache, ofproto/trace).
// *underlay.Unixctl is one.
type Unixctl interface {
	Call(ctx context.Context, command string, args ...string) (string, error)
}

// Membership holds the IGMP memberships of the groups in use.
// *underlay.HolderClient, the membership holder's client, is one.
type Membership interface {
	// Set makes the groups held exactly want.
	Set(want []net.IP) error
	// Groups returns the groups held.
	Groups() []net.IP
	// Close lets go of the memberships (see MembershipHold).
	Close() error
}

// GatewayCheck reports whether a placeholder gateway belongs to a real
// host, and its MAC (underlay.GatewayInUse asks the kernel).
type GatewayCheck func(ctx context.Context, bridge string, local, gateway net.IP) (net.HardwareAddr, bool)

var (
	_ PortSwitch      = (*ofapp.Switch)(nil)
	_ PortSource      = (*ovsdb.Client)(nil)
	_ Unixctl         = (*underlay.Unixctl)(nil)
	_ underlay.Caller = Unixctl(nil)
	_ Membership      = (*underlay.HolderClient)(nil)
	_ Switches        = controllerSwitches{}
	_ GatewayCheck    = underlay.GatewayInUse
)

// controllerSwitches finds the agent's switches in its OpenFlow controller
// (the overlay bridge, which connects to vtepd) and in the session vtepd
// keeps to the underlay bridge's management socket.
type controllerSwitches struct{ a *Agent }

// Overlay returns the overlay bridge's session.
func (c controllerSwitches) Overlay() (Switch, bool) {
	if c.a.ctrl == nil {
		return nil, false
	}
	sw, ok := c.a.ctrl.Switch(c.a.overlayDPID)
	if !ok {
		return nil, false
	}
	return sw, true
}

// Underlay returns the session to the underlay bridge's management socket.
func (c controllerSwitches) Underlay() (Switch, bool) {
	sw := c.a.underlaySw.Load()
	if sw == nil {
		return nil, false
	}
	return sw, true
}
