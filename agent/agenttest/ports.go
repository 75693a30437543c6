package agenttest

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"

	"github.com/vtep/vtep/ovsdb"
)

// Ports is a fake of OVSDB as the agent reads it: bridges with their
// ports, datapath IDs and controllers' status.
type Ports struct {
	mu      sync.Mutex
	bridges map[string]*bridgeRows
	err     error
	reads   int
}

type bridgeRows struct {
	dpid        uint64
	ports       []ovsdb.PortInfo
	controllers []ovsdb.ControllerStatus
}

// NewPorts returns an OVSDB without bridges.
func NewPorts() *Ports { return &Ports{bridges: map[string]*bridgeRows{}} }

func (p *Ports) bridge(name string) *bridgeRows {
	b, ok := p.bridges[name]
	if !ok {
		b = &bridgeRows{}
		p.bridges[name] = b
	}
	return b
}

// SetBridge creates or replaces a bridge with its datapath ID and ports.
func (p *Ports) SetBridge(name string, dpid uint64, ports ...ovsdb.PortInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.bridge(name)
	b.dpid, b.ports = dpid, slices.Clone(ports)
}

// SetPort adds a port to a bridge, or replaces the port of that name.
func (p *Ports) SetPort(bridge string, port ovsdb.PortInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.bridge(bridge)
	i := slices.IndexFunc(b.ports, func(q ovsdb.PortInfo) bool { return q.Name == port.Name })
	if i < 0 {
		b.ports = append(b.ports, port)
		return
	}
	b.ports[i] = port
}

// DeletePort removes a port from a bridge.
func (p *Ports) DeletePort(bridge, name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.bridge(bridge)
	b.ports = slices.DeleteFunc(b.ports, func(q ovsdb.PortInfo) bool { return q.Name == name })
}

// SetControllers sets the status of a bridge's controllers.
func (p *Ports) SetControllers(bridge string, cs ...ovsdb.ControllerStatus) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bridge(bridge).controllers = slices.Clone(cs)
}

// Fail makes every read fail with err from now on (as a lost OVSDB
// connection does); a nil err makes reads work again.
func (p *Ports) Fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.err = err
}

// Reads returns how many reads were made.
func (p *Ports) Reads() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reads
}

// read returns a bridge's rows, or the error OVSDB gives.
func (p *Ports) read(what, bridge string) (*bridgeRows, error) {
	p.reads++
	if p.err != nil {
		return nil, &ovsdb.OpError{Op: what, Err: p.err}
	}
	b, ok := p.bridges[bridge]
	if !ok {
		return nil, &ovsdb.OpError{Op: what, Err: fmt.Errorf("bridge %q: %w", bridge, ovsdb.ErrNotFound)}
	}
	return b, nil
}

// ListPorts returns the bridge's ports sorted by name, as ovsdb.Client does.
func (p *Ports) ListPorts(ctx context.Context, bridge string) ([]ovsdb.PortInfo, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, err := p.read(fmt.Sprintf("list ports of bridge %q", bridge), bridge)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(b.ports)
	slices.SortFunc(out, func(x, y ovsdb.PortInfo) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

// DatapathID returns the bridge's datapath ID.
func (p *Ports) DatapathID(ctx context.Context, bridge string) (uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, err := p.read(fmt.Sprintf("read datapath id of bridge %q", bridge), bridge)
	if err != nil {
		return 0, err
	}
	return b.dpid, nil
}

// ControllerStatus returns the status of the bridge's controllers.
func (p *Ports) ControllerStatus(ctx context.Context, bridge string) ([]ovsdb.ControllerStatus, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, err := p.read(fmt.Sprintf("read controller status of bridge %q", bridge), bridge)
	if err != nil {
		return nil, err
	}
	return slices.Clone(b.controllers), nil
}

// VMPort is a VM's port with an OpenFlow port number and OVS's VLAN
// columns: an access port of VLAN tag, or, with tag 0, a trunk of trunks.
func VMPort(name string, ofport int, tag int, trunks ...int) ovsdb.PortInfo {
	p := ovsdb.PortInfo{Name: name, Ofport: ofport, Type: "", Trunks: trunks}
	if tag != 0 {
		p.Tag = &tag
	}
	return p
}

// InternalPort is a bridge's own (internal) port with its MAC.
func InternalPort(name string, ofport int, mac net.HardwareAddr) ovsdb.PortInfo {
	return ovsdb.PortInfo{Name: name, Ofport: ofport, Type: "internal", MAC: mac}
}
