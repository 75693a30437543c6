package ovsdb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/sirupsen/logrus"
)

// maxAttempts bounds how often a read-modify-write cycle is retried when a
// concurrent writer changed a row it relied on.
const maxAttempts = 5

// apply reads the managed tables, lets build plan the change and commits it
// in one transaction guarded against concurrent changes. It reports whether
// anything changed: a second call with the same input changes nothing.
func (c *Client) apply(ctx context.Context, what string, build func(*plan) error) (bool, error) {
	for attempt := 1; ; attempt++ {
		s, err := c.readSnapshot(ctx)
		if err != nil {
			return false, &OpError{Op: what, Err: err}
		}
		p := &plan{s: s}
		if err := build(p); err != nil {
			return false, &OpError{Op: what, Err: err}
		}
		if p.empty() {
			return false, nil
		}
		_, err = c.transact(ctx, what, p.txn())
		if errors.Is(err, ErrTimedOut) && attempt < maxAttempts {
			c.log.WithFields(logrus.Fields{"op": what, "attempt": attempt}).Debug("rows changed under a read-modify-write, retrying")
			continue
		}
		if err != nil {
			return false, &OpError{Op: what, Err: err}
		}
		c.log.WithFields(logrus.Fields{"op": what, "operations": len(p.ops)}).Debug("ovsdb changed")
		return true, nil
	}
}

// EnsureBridge makes the bridge, its controllers, listed ports and table
// names as b describes, in one transaction. It reports whether anything
// changed.
func (c *Client) EnsureBridge(ctx context.Context, b BridgeSpec) (bool, error) {
	what := fmt.Sprintf("ensure bridge %q", b.Name)
	if err := b.Validate(); err != nil {
		return false, &OpError{Op: what, Err: err}
	}
	return c.apply(ctx, what, func(p *plan) error { return p.planBridge(b) })
}

// DeleteBridge removes the bridge with its ports. It reports false if there
// was no such bridge.
func (c *Client) DeleteBridge(ctx context.Context, name string) (bool, error) {
	return c.apply(ctx, fmt.Sprintf("delete bridge %q", name), func(p *plan) error {
		br, ok := p.s.bridges[name]
		if !ok {
			return nil
		}
		p.ops = append(p.ops, Mutate{Table: TableOpenVSwitch, Where: []Cond{Equal("_uuid", p.s.ovs.UUID)},
			Mutations: []Mutation{{Column: "bridges", Mutator: "delete", Value: Set{br.UUID}}}})
		return nil
	})
}

// EnsurePort makes the port on an existing bridge as ps describes, in one
// transaction, and reports whether anything changed. A port of that name on
// another bridge is an error (ErrConflict).
func (c *Client) EnsurePort(ctx context.Context, bridge string, ps PortSpec) (bool, error) {
	what := fmt.Sprintf("ensure port %q on bridge %q", ps.Name, bridge)
	if err := ps.Validate(); err != nil {
		return false, &OpError{Op: what, Err: err}
	}
	return c.apply(ctx, what, func(p *plan) error {
		br, ok := p.s.bridges[bridge]
		if !ok {
			return fmt.Errorf("bridge %q: %w", bridge, ErrNotFound)
		}
		ref, err := p.planPort(bridge, ps)
		if err != nil {
			return err
		}
		if ref != nil {
			p.ops = append(p.ops, Mutate{Table: TableBridge, Where: []Cond{Equal("_uuid", br.UUID)},
				Mutations: []Mutation{{Column: "ports", Mutator: "insert", Value: Set{ref}}}})
		}
		return nil
	})
}

// EnsureVXLANPort ensures the flow-based VXLAN port and waits until
// ovs-vswitchd has given it an OpenFlow port number, which it returns.
func (c *Client) EnsureVXLANPort(ctx context.Context, bridge string, v VXLAN) (ofport int, changed bool, err error) {
	if err := v.Validate(); err != nil {
		return 0, false, &OpError{Op: fmt.Sprintf("ensure vxlan port %q on bridge %q", v.Name, bridge), Err: err}
	}
	changed, err = c.EnsurePort(ctx, bridge, v.PortSpec())
	if err != nil {
		return 0, changed, err
	}
	ofport, err = c.WaitOfport(ctx, v.Name)
	return ofport, changed, err
}

// EnsureBridgeWithVXLAN ensures the bridge as b describes together with the
// flow-based VXLAN port v, in one transaction, then waits until
// ovs-vswitchd has given the VXLAN port an OpenFlow port number, which it
// returns. Everything is checked against the database before anything is
// written: when the plan is refused (for example, because a port named like
// v is on another bridge: ErrConflict), the database is left as it was.
func (c *Client) EnsureBridgeWithVXLAN(ctx context.Context, b BridgeSpec, v VXLAN) (ofport int, changed bool, err error) {
	if err := v.Validate(); err != nil {
		return 0, false, &OpError{Op: fmt.Sprintf("ensure vxlan port %q on bridge %q", v.Name, b.Name), Err: err}
	}
	b.Ports = append(slices.Clone(b.Ports), v.PortSpec())
	changed, err = c.EnsureBridge(ctx, b)
	if err != nil {
		return 0, false, err
	}
	ofport, err = c.WaitOfport(ctx, v.Name)
	return ofport, changed, err
}

// DeletePort removes the port from the bridge (and so from the database).
// It reports false if the bridge had no such port.
func (c *Client) DeletePort(ctx context.Context, bridge, name string) (bool, error) {
	return c.apply(ctx, fmt.Sprintf("delete port %q from bridge %q", name, bridge), func(p *plan) error {
		br, ok := p.s.bridges[bridge]
		if !ok {
			return nil
		}
		pu, ok := p.s.portByName[name]
		if !ok || p.s.portBridge[pu] != bridge {
			return nil
		}
		p.ops = append(p.ops, Mutate{Table: TableBridge, Where: []Cond{Equal("_uuid", br.UUID)},
			Mutations: []Mutation{{Column: "ports", Mutator: "delete", Value: Set{pu}}}})
		return nil
	})
}

// EnsureTableNames names the bridge's OpenFlow tables (Flow_Table rows
// referenced from Bridge flow_tables) so that exactly these names are set;
// flow dumps then show them. It reports whether anything changed.
func (c *Client) EnsureTableNames(ctx context.Context, bridge string, names map[int]string) (bool, error) {
	what := fmt.Sprintf("name tables of bridge %q", bridge)
	if err := (BridgeSpec{Name: bridge, TableNames: names}).Validate(); err != nil {
		return false, &OpError{Op: what, Err: err}
	}
	return c.apply(ctx, what, func(p *plan) error {
		br, ok := p.s.bridges[bridge]
		if !ok {
			return fmt.Errorf("bridge %q: %w", bridge, ErrNotFound)
		}
		if ft, changed := p.planTables(br, names); changed {
			p.guardRow(TableBridge, br.UUID)
			p.ops = append(p.ops, Update{Table: TableBridge, Where: []Cond{Equal("_uuid", br.UUID)}, Row: Row{"flow_tables": ft}})
		}
		return nil
	})
}

// PortInfo is what vtep needs to know about a port of a bridge.
type PortInfo struct {
	Name          string
	UUID          UUID
	Ofport        int // 0 until ovs-vswitchd assigns one, -1 if the interface failed
	Tag           *int
	Trunks        []int
	VLANMode      string
	Type          string // interface type
	MAC           net.HardwareAddr
	Error         string // interface error column
	MTU           int    // interface mtu column (in use, set by ovs-vswitchd); 0 when unknown
	ExternalIDs   map[string]string
	IfaceExternal map[string]string // interface external_ids (e.g. attached-mac, iface-id)
}

// ListPorts returns the bridge's ports sorted by name.
func (c *Client) ListPorts(ctx context.Context, bridge string) ([]PortInfo, error) {
	what := fmt.Sprintf("list ports of bridge %q", bridge)
	s, err := c.readSnapshot(ctx)
	if err != nil {
		return nil, &OpError{Op: what, Err: err}
	}
	br, ok := s.bridges[bridge]
	if !ok {
		return nil, &OpError{Op: what, Err: fmt.Errorf("bridge %q: %w", bridge, ErrNotFound)}
	}
	out := make([]PortInfo, 0, len(br.Ports))
	for _, u := range br.Ports {
		p, ok := s.ports[u]
		if !ok {
			continue
		}
		info := PortInfo{Name: p.Name, UUID: p.UUID, Tag: p.Tag, Trunks: p.Trunks, VLANMode: p.VLANMode, ExternalIDs: p.ExternalIDs}
		if i, ok := s.mainInterface(p); ok {
			info.Type, info.Error, info.IfaceExternal = i.Type, i.Error, i.ExternalIDs
			if i.Ofport != nil {
				info.Ofport = *i.Ofport
			}
			if i.MTU != nil {
				info.MTU = *i.MTU
			}
			if i.MACInUse != "" {
				mac, err := net.ParseMAC(i.MACInUse)
				if err != nil {
					return nil, &OpError{Op: what, Err: &FieldError{Field: "Interface " + i.Name + " mac_in_use", Value: i.MACInUse, Reason: err.Error()}}
				}
				info.MAC = mac
			}
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// GetBridge returns the bridge's row.
func (c *Client) GetBridge(ctx context.Context, name string) (Bridge, error) {
	what := fmt.Sprintf("get bridge %q", name)
	res, err := c.transact(ctx, what, []Op{Select{Table: TableBridge, Where: []Cond{Equal("name", name)}}})
	if err != nil {
		return Bridge{}, &OpError{Op: what, Err: err}
	}
	if len(res[0].Rows) == 0 {
		return Bridge{}, &OpError{Op: what, Err: fmt.Errorf("bridge %q: %w", name, ErrNotFound)}
	}
	b, err := ParseBridge(res[0].Rows[0])
	if err != nil {
		return Bridge{}, &OpError{Op: what, Err: err}
	}
	return b, nil
}

// poll calls f until it reports done or an error, waiting a little longer
// each time, bounded by ctx.
func poll(ctx context.Context, f func() (bool, error)) error {
	wait := 5 * time.Millisecond
	for {
		done, err := f()
		if err != nil || done {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// WaitOfport waits until ovs-vswitchd has assigned the interface an
// OpenFlow port number and returns it. It fails at once with an
// *InterfaceError if ovs-vswitchd reports an error for the interface, with
// ErrNotFound if there is no such interface, and with ctx's error (naming
// what was last seen) when ctx ends first.
func (c *Client) WaitOfport(ctx context.Context, iface string) (int, error) {
	what := fmt.Sprintf("wait for ofport of interface %q", iface)
	ofport, last := 0, "no reply yet"
	err := poll(ctx, func() (bool, error) {
		res, err := c.transact(ctx, what, []Op{Select{Table: TableInterface, Where: []Cond{Equal("name", iface)},
			Columns: []string{"_uuid", "name", "ofport", "error"}}})
		if err != nil {
			return false, err
		}
		if len(res[0].Rows) == 0 {
			return false, fmt.Errorf("interface %q: %w", iface, ErrNotFound)
		}
		i, err := ParseInterface(res[0].Rows[0])
		if err != nil {
			return false, err
		}
		if i.Error != "" {
			return false, &InterfaceError{Interface: iface, Msg: i.Error}
		}
		if i.Ofport == nil {
			last = "ofport not set yet"
			return false, nil
		}
		ofport, last = *i.Ofport, "ofport "+strconv.Itoa(*i.Ofport)
		return ofport > 0, nil
	})
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (last seen: %s)", err, last)
		}
		return 0, &OpError{Op: what, Err: err}
	}
	return ofport, nil
}

// DatapathID waits until ovs-vswitchd has set the bridge's datapath_id and
// returns it: the datapath ID the bridge presents to its controller.
func (c *Client) DatapathID(ctx context.Context, bridge string) (uint64, error) {
	what := fmt.Sprintf("read datapath_id of bridge %q", bridge)
	var dpid uint64
	err := poll(ctx, func() (bool, error) {
		res, err := c.transact(ctx, what, []Op{Select{Table: TableBridge, Where: []Cond{Equal("name", bridge)},
			Columns: []string{"_uuid", "name", "datapath_id"}}})
		if err != nil {
			return false, err
		}
		if len(res[0].Rows) == 0 {
			return false, fmt.Errorf("bridge %q: %w", bridge, ErrNotFound)
		}
		b, err := ParseBridge(res[0].Rows[0])
		if err != nil || b.DatapathID == "" {
			return false, err
		}
		dpid, err = strconv.ParseUint(b.DatapathID, 16, 64)
		if err != nil {
			return false, &FieldError{Field: "Bridge " + bridge + " datapath_id", Value: b.DatapathID, Reason: "is not 16 hex digits"}
		}
		return true, nil
	})
	if err != nil {
		return 0, &OpError{Op: what, Err: err}
	}
	return dpid, nil
}
