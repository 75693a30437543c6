package ovsdb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
)

// snapshot is what one read transaction saw of the tables vtep manages:
// raw rows (to compare and to guard) and typed rows (to navigate).
type snapshot struct {
	raw         map[string]map[UUID]Row // table -> uuid -> row
	ovs         OpenVSwitch
	bridges     map[string]Bridge // by name
	ports       map[UUID]Port
	portByName  map[string]UUID
	portBridge  map[UUID]string // port -> name of the bridge holding it
	ifaces      map[UUID]Interface
	ifaceByName map[string]UUID
	controllers map[UUID]Controller
	flowTables  map[UUID]FlowTable
}

// snapshotColumns are the columns read per table.
var snapshotColumns = []struct {
	table   string
	columns []string
}{
	{TableOpenVSwitch, []string{"_uuid", "_version", "bridges", "ovs_version", "db_version", "cur_cfg", "next_cfg", "external_ids", "other_config"}},
	{TableBridge, []string{"_uuid", "_version", "name", "datapath_type", "datapath_id", "fail_mode", "protocols", "controller", "ports", "flow_tables", "other_config", "external_ids"}},
	{TablePort, []string{"_uuid", "_version", "name", "interfaces", "tag", "trunks", "vlan_mode", "external_ids", "other_config"}},
	{TableInterface, []string{"_uuid", "_version", "name", "type", "options", "ofport", "ofport_request", "mac_in_use", "error", "mtu", "mtu_request", "external_ids"}},
	{TableController, []string{"_uuid", "_version", "target", "is_connected", "max_backoff", "external_ids"}},
	{TableFlowTable, []string{"_uuid", "_version", "name", "external_ids"}},
}

// readSnapshot reads every managed table in one transaction.
func (c *Client) readSnapshot(ctx context.Context) (*snapshot, error) {
	ops := make([]Op, 0, len(snapshotColumns))
	for _, t := range snapshotColumns {
		ops = append(ops, Select{Table: t.table, Columns: t.columns})
	}
	res, err := c.transact(ctx, "read", ops)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	tables := make(map[string][]Row, len(res))
	for i, t := range snapshotColumns {
		tables[t.table] = res[i].Rows
	}
	s, err := newSnapshot(tables)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	return s, nil
}

// newSnapshot indexes the rows of each table.
func newSnapshot(tables map[string][]Row) (*snapshot, error) {
	s := &snapshot{
		raw: make(map[string]map[UUID]Row), bridges: make(map[string]Bridge),
		ports: make(map[UUID]Port), portByName: make(map[string]UUID), portBridge: make(map[UUID]string),
		ifaces: make(map[UUID]Interface), ifaceByName: make(map[string]UUID),
		controllers: make(map[UUID]Controller), flowTables: make(map[UUID]FlowTable),
	}
	for table, rows := range tables {
		s.raw[table] = make(map[UUID]Row, len(rows))
		for _, r := range rows {
			rr := rowReader{table: table, row: r}
			u := rr.uuid("_uuid")
			if rr.err != nil {
				return nil, rr.err
			}
			s.raw[table][u] = r
			var err error
			switch table {
			case TableOpenVSwitch:
				s.ovs, err = ParseOpenVSwitch(r)
			case TableBridge:
				var b Bridge
				if b, err = ParseBridge(r); err == nil {
					s.bridges[b.Name] = b
				}
			case TablePort:
				var p Port
				if p, err = ParsePort(r); err == nil {
					s.ports[u], s.portByName[p.Name] = p, u
				}
			case TableInterface:
				var i Interface
				if i, err = ParseInterface(r); err == nil {
					s.ifaces[u], s.ifaceByName[i.Name] = i, u
				}
			case TableController:
				s.controllers[u], err = ParseController(r)
			case TableFlowTable:
				s.flowTables[u], err = ParseFlowTable(r)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	if s.ovs.UUID == "" {
		return nil, fmt.Errorf("%w: the %s table has no row (database not initialised?)", ErrNotFound, TableOpenVSwitch)
	}
	for _, b := range s.bridges {
		for _, p := range b.Ports {
			s.portBridge[p] = b.Name
		}
	}
	return s, nil
}

// mainInterface returns the interface of a port: the one named like the
// port, else its only one.
func (s *snapshot) mainInterface(p Port) (Interface, bool) {
	for _, u := range p.Interfaces {
		if i, ok := s.ifaces[u]; ok && i.Name == p.Name {
			return i, true
		}
	}
	if len(p.Interfaces) == 1 {
		i, ok := s.ifaces[p.Interfaces[0]]
		return i, ok
	}
	return Interface{}, false
}

// guard returns a wait operation that fails the transaction unless the row
// is still the version this snapshot saw.
func guard(table string, uuid, version UUID) Op {
	return Wait{
		Table: table, Where: []Cond{Equal("_uuid", uuid)}, Columns: []string{"_version"},
		Rows: []Row{{"_version": version}},
	}
}

// same reports whether a value read from the server equals a desired value,
// treating a bare atom as a one-element set and ignoring set order.
func same(cur, want any) bool {
	a, err1 := canonical(cur)
	b, err2 := canonical(want)
	return err1 == nil && err2 == nil && bytes.Equal(a, b)
}

// canonical encodes v as a sorted set, or a map, for comparison.
func canonical(v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return canonical(Set{})
	case Map:
		return json.Marshal(x)
	case Set:
		elems := make([]string, 0, len(x))
		for _, a := range x {
			b, err := encodeAtom(a)
			if err != nil {
				return nil, err
			}
			elems = append(elems, string(b))
		}
		sort.Strings(elems)
		return json.Marshal(elems)
	default:
		return canonical(Set{v})
	}
}
