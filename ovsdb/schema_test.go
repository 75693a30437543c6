package ovsdb

import (
	"encoding/json"
	"reflect"
	"testing"
)

func decodeRow(t *testing.T, s string) Row {
	t.Helper()
	var r Row
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("decode row %s: %v", s, err)
	}
	return r
}

func TestParseRows(t *testing.T) {
	// Rows as ovsdb-server 3.1 sends them.
	br, err := ParseBridge(decodeRow(t, `{"_uuid":["uuid","b1"],"_version":["uuid","v1"],"name":"br-int",
		"datapath_type":"netdev","datapath_id":"00000000000000a1","fail_mode":"secure",
		"protocols":"OpenFlow13","controller":["uuid","c1"],"ports":["set",[["uuid","p2"],["uuid","p1"]]],
		"flow_tables":["map",[[0,["uuid","t0"]],[10,["uuid","t10"]]]],
		"other_config":["map",[["datapath-id","00000000000000a1"]]],"external_ids":["map",[]]}`))
	if err != nil {
		t.Fatal(err)
	}
	wantBr := Bridge{UUID: "b1", Version: "v1", Name: "br-int", DatapathType: "netdev", DatapathID: "00000000000000a1",
		FailMode: "secure", Protocols: []string{"OpenFlow13"}, Controller: []UUID{"c1"}, Ports: []UUID{"p1", "p2"},
		FlowTables: map[int]UUID{0: "t0", 10: "t10"}, OtherConfig: map[string]string{"datapath-id": "00000000000000a1"},
		ExternalIDs: map[string]string{}}
	if !reflect.DeepEqual(br, wantBr) {
		t.Errorf("bridge\n got %+v\nwant %+v", br, wantBr)
	}

	p, err := ParsePort(decodeRow(t, `{"_uuid":["uuid","p1"],"name":"vm2","interfaces":["uuid","i1"],
		"tag":["set",[]],"trunks":["set",[30,20]],"vlan_mode":"trunk","external_ids":["map",[["vm","two"]]],"other_config":["map",[]]}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Tag != nil || !reflect.DeepEqual(p.Trunks, []int{20, 30}) || p.VLANMode != "trunk" || p.ExternalIDs["vm"] != "two" {
		t.Errorf("port = %+v", p)
	}
	p, err = ParsePort(decodeRow(t, `{"_uuid":["uuid","p2"],"name":"vm1","tag":10,"trunks":["set",[]],"vlan_mode":["set",[]]}`))
	if err != nil || p.Tag == nil || *p.Tag != 10 || p.Trunks != nil || p.VLANMode != "" {
		t.Errorf("port = %+v, %v; want tag 10", p, err)
	}

	i, err := ParseInterface(decodeRow(t, `{"_uuid":["uuid","i1"],"name":"vxlan0","type":"vxlan",
		"options":["map",[["key","flow"],["remote_ip","flow"]]],"ofport":2,"ofport_request":["set",[]],
		"mac_in_use":"aa:bb:cc:dd:ee:ff","error":["set",[]],"mtu":1450,"mtu_request":["set",[]],"external_ids":["map",[]]}`))
	if err != nil || i.MTU == nil || *i.MTU != 1450 || i.MTURequest != nil || i.Ofport == nil || *i.Ofport != 2 || i.OfportRequest != nil || i.Options["remote_ip"] != "flow" || i.Error != "" || i.MACInUse != "aa:bb:cc:dd:ee:ff" {
		t.Errorf("interface = %+v, %v", i, err)
	}

	c, err := ParseController(decodeRow(t, `{"_uuid":["uuid","c1"],"target":"unix:/run/vtepd.sock","is_connected":true}`))
	if err != nil || c.Target != "unix:/run/vtepd.sock" || !c.IsConnected {
		t.Errorf("controller = %+v, %v", c, err)
	}
	ft, err := ParseFlowTable(decodeRow(t, `{"_uuid":["uuid","t0"],"name":"classify"}`))
	if err != nil || ft.Name != "classify" {
		t.Errorf("flow table = %+v, %v", ft, err)
	}
	o, err := ParseOpenVSwitch(decodeRow(t, `{"_uuid":["uuid","o"],"bridges":["set",[]],"ovs_version":"3.1.0","cur_cfg":3,"next_cfg":4}`))
	if err != nil || o.OVSVersion != "3.1.0" || o.CurCfg != 3 || o.NextCfg != 4 {
		t.Errorf("open_vswitch = %+v, %v", o, err)
	}
}

func TestParseRowTypeErrors(t *testing.T) {
	tests := []struct {
		name string
		row  string
		f    func(Row) error
	}{
		{"tag is a string", `{"tag":"ten"}`, func(r Row) error { _, err := ParsePort(r); return err }},
		{"two names", `{"name":["set",["a","b"]]}`, func(r Row) error { _, err := ParseBridge(r); return err }},
		{"options not a map", `{"options":"x"}`, func(r Row) error { _, err := ParseInterface(r); return err }},
		{"flow_tables keys", `{"flow_tables":["map",[["zero",["uuid","t"]]]]}`, func(r Row) error { _, err := ParseBridge(r); return err }},
	}
	for _, tc := range tests {
		err := tc.f(decodeRow(t, tc.row))
		fe, ok := err.(*FieldError)
		if !ok || fe.Field == "" || fe.Value == "" {
			t.Errorf("%s: err = %v, want a FieldError naming the column and value", tc.name, err)
		}
	}
}
