package ovsdb

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// testSnapshot builds a snapshot from rows written as the server sends them.
func testSnapshot(t *testing.T, tables map[string][]string) *snapshot {
	t.Helper()
	rows := map[string][]Row{}
	for table, rs := range tables {
		for _, r := range rs {
			rows[table] = append(rows[table], decodeRow(t, r))
		}
	}
	s, err := newSnapshot(rows)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const ovsRow = `{"_uuid":["uuid","o1"],"_version":["uuid","ov"],"bridges":["set",[["uuid","b1"]]]}`

// existing is a database holding br-int as intSpec describes it.
func existing(t *testing.T) *snapshot {
	return testSnapshot(t, map[string][]string{
		TableOpenVSwitch: {ovsRow},
		TableBridge: {`{"_uuid":["uuid","b1"],"_version":["uuid","bv"],"name":"br-int","datapath_type":"netdev",
			"fail_mode":"secure","protocols":"OpenFlow13","controller":["uuid","c1"],
			"ports":["set",[["uuid","p0"],["uuid","p1"]]],"flow_tables":["map",[[0,["uuid","t0"]]]],
			"other_config":["map",[["datapath-id","00000000000000a1"],["hwaddr","aa:bb:cc:dd:ee:ff"]]],"external_ids":["map",[]]}`},
		TablePort: {
			`{"_uuid":["uuid","p0"],"_version":["uuid","pv0"],"name":"br-int","interfaces":["uuid","i0"],"tag":["set",[]],"trunks":["set",[]],"vlan_mode":["set",[]],"external_ids":["map",[]]}`,
			`{"_uuid":["uuid","p1"],"_version":["uuid","pv1"],"name":"vm1","interfaces":["uuid","i1"],"tag":10,"trunks":["set",[]],"vlan_mode":["set",[]],"external_ids":["map",[["vm","one"]]]}`,
		},
		TableInterface: {
			`{"_uuid":["uuid","i0"],"_version":["uuid","iv0"],"name":"br-int","type":"internal","options":["map",[]],"ofport_request":["set",[]]}`,
			`{"_uuid":["uuid","i1"],"_version":["uuid","iv1"],"name":"vm1","type":"internal","options":["map",[]],"ofport_request":["set",[]]}`,
		},
		TableController: {`{"_uuid":["uuid","c1"],"_version":["uuid","cv"],"target":"unix:/run/vtepd.sock"}`},
		TableFlowTable:  {`{"_uuid":["uuid","t0"],"_version":["uuid","tv"],"name":"classify"}`},
	})
}

var intSpec = BridgeSpec{Name: "br-int", FailMode: FailSecure, Controllers: []string{"unix:/run/vtepd.sock"},
	DatapathID: "00000000000000a1", Ports: []PortSpec{{Name: "vm1", Type: "internal", Tag: new(10)}},
	TableNames: map[int]string{0: "classify"}}

func opsJSON(t *testing.T, ops []Op) string {
	t.Helper()
	var parts []string
	for _, op := range ops {
		b, err := json.Marshal(op)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, string(b))
	}
	return strings.Join(parts, "\n")
}

func TestPlanBridgeUpToDateIsEmpty(t *testing.T) {
	p := &plan{s: existing(t)}
	if err := p.planBridge(intSpec); err != nil {
		t.Fatal(err)
	}
	if !p.empty() {
		t.Errorf("plan for an up-to-date bridge is not empty:\n%s", opsJSON(t, p.txn()))
	}
}

func TestPlanBridgeNew(t *testing.T) {
	s := testSnapshot(t, map[string][]string{TableOpenVSwitch: {`{"_uuid":["uuid","o1"],"_version":["uuid","ov"],"bridges":["set",[]]}`}})
	p := &plan{s: s}
	if err := p.planBridge(intSpec); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`{"op":"insert","table":"Controller","row":{"target":"unix:/run/vtepd.sock"},"uuid-name":"ctrl1"}`,
		`{"op":"insert","table":"Interface","row":{"external_ids":["map",[]],"name":"br-int","ofport_request":["set",[]],"options":["map",[]],"type":"internal"},"uuid-name":"iface2"}`,
		`{"op":"insert","table":"Port","row":{"external_ids":["map",[]],"interfaces":["set",[["named-uuid","iface2"]]],"name":"br-int","tag":["set",[]],"trunks":["set",[]],"vlan_mode":["set",[]]},"uuid-name":"port3"}`,
		`{"op":"insert","table":"Interface","row":{"external_ids":["map",[]],"name":"vm1","ofport_request":["set",[]],"options":["map",[]],"type":"internal"},"uuid-name":"iface4"}`,
		`{"op":"insert","table":"Port","row":{"external_ids":["map",[]],"interfaces":["set",[["named-uuid","iface4"]]],"name":"vm1","tag":["set",[10]],"trunks":["set",[]],"vlan_mode":["set",[]]},"uuid-name":"port5"}`,
		`{"op":"insert","table":"Flow_Table","row":{"name":"classify"},"uuid-name":"table6"}`,
		`{"op":"insert","table":"Bridge","row":{"controller":["set",[["named-uuid","ctrl1"]]],"datapath_type":"netdev","external_ids":["map",[]],"fail_mode":["set",["secure"]],"flow_tables":["map",[[0,["named-uuid","table6"]]]],"name":"br-int","other_config":["map",[["datapath-id","00000000000000a1"]]],"ports":["set",[["named-uuid","port3"],["named-uuid","port5"]]],"protocols":["set",["OpenFlow13"]]},"uuid-name":"bridge7"}`,
		`{"op":"mutate","table":"Open_vSwitch","where":[["_uuid","==",["uuid","o1"]]],"mutations":[["bridges","insert",["set",[["named-uuid","bridge7"]]]]]}`,
	}, "\n")
	if got := opsJSON(t, p.txn()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestPlanBridgeChanges(t *testing.T) {
	tests := []struct {
		name string
		edit func(*BridgeSpec)
		want string
	}{
		{"fail mode", func(b *BridgeSpec) { b.FailMode = FailStandalone },
			`{"op":"wait","table":"Bridge","where":[["_uuid","==",["uuid","b1"]]],"columns":["_version"],"until":"==","rows":[{"_version":["uuid","bv"]}],"timeout":0}
{"op":"update","table":"Bridge","where":[["_uuid","==",["uuid","b1"]]],"row":{"fail_mode":["set",["standalone"]]}}`},
		{"other_config merges and keeps unknown keys", func(b *BridgeSpec) { b.DisableInBand = true },
			`{"op":"wait","table":"Bridge","where":[["_uuid","==",["uuid","b1"]]],"columns":["_version"],"until":"==","rows":[{"_version":["uuid","bv"]}],"timeout":0}
{"op":"update","table":"Bridge","where":[["_uuid","==",["uuid","b1"]]],"row":{"other_config":["map",[["datapath-id","00000000000000a1"],["disable-in-band","true"],["hwaddr","aa:bb:cc:dd:ee:ff"]]]}}`},
		{"second controller reuses the first row", func(b *BridgeSpec) { b.Controllers = []string{"unix:/run/vtepd.sock", "tcp:127.0.0.1:6653"} },
			`{"op":"wait","table":"Bridge","where":[["_uuid","==",["uuid","b1"]]],"columns":["_version"],"until":"==","rows":[{"_version":["uuid","bv"]}],"timeout":0}
{"op":"insert","table":"Controller","row":{"target":"tcp:127.0.0.1:6653"},"uuid-name":"ctrl1"}
{"op":"update","table":"Bridge","where":[["_uuid","==",["uuid","b1"]]],"row":{"controller":["set",[["named-uuid","ctrl1"],["uuid","c1"]]]}}`},
		{"retag a port", func(b *BridgeSpec) { b.Ports = []PortSpec{{Name: "vm1", Type: "internal", Trunks: []int{20}}} },
			`{"op":"wait","table":"Port","where":[["_uuid","==",["uuid","p1"]]],"columns":["_version"],"until":"==","rows":[{"_version":["uuid","pv1"]}],"timeout":0}
{"op":"update","table":"Port","where":[["_uuid","==",["uuid","p1"]]],"row":{"tag":["set",[]],"trunks":["set",[20]]}}`},
		{"rename a table and add one", func(b *BridgeSpec) { b.TableNames = map[int]string{0: "in", 10: "out"} },
			`{"op":"wait","table":"Flow_Table","where":[["_uuid","==",["uuid","t0"]]],"columns":["_version"],"until":"==","rows":[{"_version":["uuid","tv"]}],"timeout":0}
{"op":"wait","table":"Bridge","where":[["_uuid","==",["uuid","b1"]]],"columns":["_version"],"until":"==","rows":[{"_version":["uuid","bv"]}],"timeout":0}
{"op":"update","table":"Flow_Table","where":[["_uuid","==",["uuid","t0"]]],"row":{"name":"in"}}
{"op":"insert","table":"Flow_Table","row":{"name":"out"},"uuid-name":"table1"}
{"op":"update","table":"Bridge","where":[["_uuid","==",["uuid","b1"]]],"row":{"flow_tables":["map",[[0,["uuid","t0"]],[10,["named-uuid","table1"]]]]}}`},
		{"add a port", func(b *BridgeSpec) { b.Ports = append(b.Ports, PortSpec{Name: "vm2"}) },
			`{"op":"insert","table":"Interface","row":{"external_ids":["map",[]],"name":"vm2","ofport_request":["set",[]],"options":["map",[]],"type":""},"uuid-name":"iface1"}
{"op":"insert","table":"Port","row":{"external_ids":["map",[]],"interfaces":["set",[["named-uuid","iface1"]]],"name":"vm2","tag":["set",[]],"trunks":["set",[]],"vlan_mode":["set",[]]},"uuid-name":"port2"}
{"op":"mutate","table":"Bridge","where":[["_uuid","==",["uuid","b1"]]],"mutations":[["ports","insert",["set",[["named-uuid","port2"]]]]]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := intSpec
			tc.edit(&b)
			p := &plan{s: existing(t)}
			if err := p.planBridge(b); err != nil {
				t.Fatal(err)
			}
			if got := opsJSON(t, p.txn()); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestPlanPortConflicts(t *testing.T) {
	p := &plan{s: existing(t)}
	_, err := p.planPort("br-phy", PortSpec{Name: "vm1"})
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), `"br-int"`) {
		t.Errorf("port on another bridge: err = %v, want ErrConflict naming br-int", err)
	}
	if !p.empty() {
		t.Errorf("a refused plan has ops:\n%s", opsJSON(t, p.txn()))
	}
}
