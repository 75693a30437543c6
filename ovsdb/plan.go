package ovsdb

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// plan collects the operations that move the database from a snapshot to a
// desired state, plus guards (wait operations) that make the transaction
// fail if a row it relied on changed since the snapshot. An empty plan
// means nothing needs to change.
type plan struct {
	s      *snapshot
	ops    []Op
	guards []Op
	named  int
}

// newName returns a fresh named UUID with the given prefix.
func (p *plan) newName(prefix string) NamedUUID {
	p.named++
	return NamedUUID(prefix + strconv.Itoa(p.named))
}

// guardRow guards a row of the snapshot (once).
func (p *plan) guardRow(table string, u UUID) {
	r, ok := p.s.raw[table][u]
	if !ok {
		return
	}
	g := guard(table, u, (&rowReader{row: r}).uuid("_version"))
	for _, have := range p.guards {
		if w, ok := have.(Wait); ok && w.Table == table && w.Where[0].Value == u {
			return
		}
	}
	p.guards = append(p.guards, g)
}

// empty reports whether the plan changes nothing.
func (p *plan) empty() bool { return len(p.ops) == 0 }

// txn returns the guards followed by the operations.
func (p *plan) txn() []Op { return append(slices.Clone(p.guards), p.ops...) }

// changedColumns returns the columns of want whose value differs from cur.
func changedColumns(cur, want Row) Row {
	out := Row{}
	for col, v := range want {
		if !same(cur[col], v) {
			out[col] = v
		}
	}
	return out
}

// optional encodes an optional string column.
func optional(s string) Set {
	if s == "" {
		return Set{}
	}
	return Set{s}
}

// optionalInt encodes an optional integer column (nil for none).
func optionalInt(p *int) Set {
	if p == nil {
		return Set{}
	}
	return Set{*p}
}

// merged returns cur with the keys of add set.
func merged(cur Map, add map[string]string) Map {
	out := maps.Clone(cur)
	if out == nil {
		out = Map{}
	}
	for k, v := range add {
		out[k] = v
	}
	return out
}

// curMap returns a map column of a snapshot row.
func curMap(r Row, col string) Map {
	m, _ := r[col].(Map)
	return m
}

// bridgeRow returns the desired bridge columns except references.
func bridgeRow(cur Row, b BridgeSpec) Row {
	dpType := b.DatapathType
	if dpType == "" {
		dpType = DatapathNetdev
	}
	protos := b.Protocols
	if len(protos) == 0 {
		protos = []string{ProtocolOpenFlow13}
	}
	oc := maps.Clone(b.OtherConfig)
	if oc == nil {
		oc = map[string]string{}
	}
	if b.DatapathID != "" {
		oc["datapath-id"] = b.DatapathID
	}
	if b.DisableInBand {
		oc["disable-in-band"] = "true"
	}
	return Row{
		"name":          b.Name,
		"datapath_type": dpType,
		"fail_mode":     optional(b.FailMode),
		"protocols":     StringSet(protos),
		"other_config":  merged(curMap(cur, "other_config"), oc),
		"external_ids":  merged(curMap(cur, "external_ids"), b.ExternalIDs),
	}
}

// planBridge plans ensuring a bridge, its controllers, ports and table
// names.
func (p *plan) planBridge(b BridgeSpec) error {
	br, exists := p.s.bridges[b.Name]
	var cur Row
	if exists {
		cur = p.s.raw[TableBridge][br.UUID]
	}
	want := bridgeRow(cur, b)
	if refs, changed := p.planControllers(br, exists, b); changed {
		want["controller"] = refs
	}

	// Ports: the bridge's own internal port first, then the listed ones.
	// Ports: the bridge's own internal port first, then the listed ones.
	ports := b.Ports
	if !slices.ContainsFunc(ports, func(ps PortSpec) bool { return ps.Name == b.Name }) {
		ports = append([]PortSpec{{Name: b.Name, Type: "internal"}}, ports...)
	}
	var newPorts Set
	for _, ps := range ports {
		ref, err := p.planPort(b.Name, ps)
		if err != nil {
			return err
		}
		if ref != nil {
			newPorts = append(newPorts, ref)
		}
	}

	// Table names.
	if b.TableNames != nil {
		if ft, changed := p.planTables(br, b.TableNames); changed {
			want["flow_tables"] = ft
		}
	}

	if !exists {
		n := p.newName("bridge")
		want["ports"] = newPorts
		p.ops = append(p.ops,
			Insert{Table: TableBridge, UUIDName: string(n), Row: want},
			Mutate{Table: TableOpenVSwitch, Where: []Cond{Equal("_uuid", p.s.ovs.UUID)},
				Mutations: []Mutation{{Column: "bridges", Mutator: "insert", Value: Set{n}}}})
		return nil
	}
	if diff := changedColumns(cur, want); len(diff) > 0 {
		p.guardRow(TableBridge, br.UUID)
		p.ops = append(p.ops, Update{Table: TableBridge, Where: []Cond{Equal("_uuid", br.UUID)}, Row: diff})
	}
	if len(newPorts) > 0 {
		p.ops = append(p.ops, Mutate{Table: TableBridge, Where: []Cond{Equal("_uuid", br.UUID)},
			Mutations: []Mutation{{Column: "ports", Mutator: "insert", Value: newPorts}}})
	}
	return nil
}

// planControllers plans the bridge's controllers: rows whose target is
// wanted are kept (their max_backoff updated), the others inserted. It
// returns the bridge's new controller column when it changes.
func (p *plan) planControllers(br Bridge, exists bool, b BridgeSpec) (Set, bool) {
	curTargets := map[string]UUID{}
	for _, u := range br.Controller {
		if c, ok := p.s.controllers[u]; ok {
			curTargets[c.Target] = u
		}
	}
	wantTargets := slices.Sorted(slices.Values(slices.Compact(slices.Sorted(slices.Values(b.Controllers)))))
	var refs Set
	changed := false
	if !exists || !slices.Equal(slices.Sorted(maps.Keys(curTargets)), wantTargets) {
		refs = Set{}
		for _, t := range wantTargets {
			if u, ok := curTargets[t]; ok {
				refs = append(refs, u)
				continue
			}
			n := p.newName("ctrl")
			row := Row{"target": t}
			if b.ControllerMaxBackoff != 0 {
				row["max_backoff"] = b.ControllerMaxBackoff
			}
			p.ops = append(p.ops, Insert{Table: TableController, UUIDName: string(n), Row: row})
			refs = append(refs, n)
		}
		changed = true
	}
	// Controllers kept: their max_backoff as wanted.
	if b.ControllerMaxBackoff != 0 {
		for _, t := range wantTargets {
			u, ok := curTargets[t]
			if !ok {
				continue
			}
			if mb := p.s.controllers[u].MaxBackoff; mb == nil || *mb != b.ControllerMaxBackoff {
				p.ops = append(p.ops, Update{Table: TableController, Where: []Cond{Equal("_uuid", u)}, Row: Row{"max_backoff": b.ControllerMaxBackoff}})
			}
		}
	}
	return refs, changed
}

// planPort plans ensuring one port on bridge. It returns the reference to
// add to the bridge's ports (a NamedUUID for a new port), or nil when the
// port is already on the bridge.
func (p *plan) planPort(bridge string, ps PortSpec) (any, error) {
	wantPort := Row{
		"name":      ps.Name,
		"tag":       optionalInt(ps.Tag),
		"trunks":    IntSet(ps.Trunks),
		"vlan_mode": optional(ps.VLANMode),
	}
	var ofreq *int
	if ps.OfportRequest != 0 {
		ofreq = &ps.OfportRequest
	}
	wantIface := Row{
		"name":           ps.Name,
		"type":           ps.Type,
		"options":        StringMap(ps.Options),
		"ofport_request": optionalInt(ofreq),
	}

	pu, exists := p.s.portByName[ps.Name]
	if !exists {
		if iu, ok := p.s.ifaceByName[ps.Name]; ok {
			return nil, fmt.Errorf("%w: interface %q (%s) already exists in another port", ErrConflict, ps.Name, iu)
		}
		in, pn := p.newName("iface"), p.newName("port")
		wantIface["external_ids"] = Map{}
		wantPort["external_ids"] = merged(nil, ps.ExternalIDs)
		wantPort["interfaces"] = Set{in}
		p.ops = append(p.ops,
			Insert{Table: TableInterface, UUIDName: string(in), Row: wantIface},
			Insert{Table: TablePort, UUIDName: string(pn), Row: wantPort})
		return pn, nil
	}
	if on, ok := p.s.portBridge[pu]; ok && on != bridge {
		return nil, fmt.Errorf("%w: port %q is on bridge %q, not %q", ErrConflict, ps.Name, on, bridge)
	}
	curPort := p.s.raw[TablePort][pu]
	wantPort["external_ids"] = merged(curMap(curPort, "external_ids"), ps.ExternalIDs)
	if diff := changedColumns(curPort, wantPort); len(diff) > 0 {
		p.guardRow(TablePort, pu)
		p.ops = append(p.ops, Update{Table: TablePort, Where: []Cond{Equal("_uuid", pu)}, Row: diff})
	}
	iface, ok := p.s.mainInterface(p.s.ports[pu])
	if !ok {
		return nil, fmt.Errorf("%w: port %q has no interface named %q", ErrConflict, ps.Name, ps.Name)
	}
	if diff := changedColumns(p.s.raw[TableInterface][iface.UUID], wantIface); len(diff) > 0 {
		p.guardRow(TableInterface, iface.UUID)
		p.ops = append(p.ops, Update{Table: TableInterface, Where: []Cond{Equal("_uuid", iface.UUID)}, Row: diff})
	}
	if _, ok := p.s.portBridge[pu]; !ok {
		return pu, nil
	}
	return nil, nil
}

// planTables plans the bridge's flow_tables so that exactly names are set.
// It returns the new flow_tables value and whether that column changes;
// renames of existing Flow_Table rows are planned as updates.
func (p *plan) planTables(br Bridge, names map[int]string) (Map, bool) {
	ft := Map{}
	changed := len(br.FlowTables) != len(names)
	ids := slices.Sorted(maps.Keys(names))
	for _, id := range ids {
		name := names[id]
		if u, ok := br.FlowTables[id]; ok {
			ft[id] = u
			if row, ok := p.s.flowTables[u]; ok && row.Name != name {
				p.guardRow(TableFlowTable, u)
				p.ops = append(p.ops, Update{Table: TableFlowTable, Where: []Cond{Equal("_uuid", u)}, Row: Row{"name": name}})
			}
			continue
		}
		n := p.newName("table")
		p.ops = append(p.ops, Insert{Table: TableFlowTable, UUIDName: string(n), Row: Row{"name": name}})
		ft[id] = n
		changed = true
	}
	return ft, changed
}
