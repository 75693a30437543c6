package ovsdb

import (
	"encoding/json"
	"testing"
	"time"
)

func TestOpEncoding(t *testing.T) {
	tests := []struct {
		name string
		op   Op
		want string
	}{
		{"insert with named uuid", Insert{Table: "Port", UUIDName: "p1", Row: Row{"name": "vm1", "interfaces": Set{NamedUUID("i1")}, "tag": Set{10}}},
			`{"op":"insert","table":"Port","row":{"interfaces":["set",[["named-uuid","i1"]]],"name":"vm1","tag":["set",[10]]},"uuid-name":"p1"}`},
		{"insert without name", Insert{Table: "Flow_Table"},
			`{"op":"insert","table":"Flow_Table","row":{}}`},
		{"update", Update{Table: "Bridge", Where: []Cond{Equal("_uuid", UUID("u"))}, Row: Row{"fail_mode": "secure"}},
			`{"op":"update","table":"Bridge","where":[["_uuid","==",["uuid","u"]]],"row":{"fail_mode":"secure"}}`},
		{"mutate", Mutate{Table: "Open_vSwitch", Mutations: []Mutation{{Column: "bridges", Mutator: "insert", Value: Set{NamedUUID("b")}}}},
			`{"op":"mutate","table":"Open_vSwitch","where":[],"mutations":[["bridges","insert",["set",[["named-uuid","b"]]]]]}`},
		{"delete", Delete{Table: "Controller", Where: []Cond{Equal("target", "unix:/x")}},
			`{"op":"delete","table":"Controller","where":[["target","==","unix:/x"]]}`},
		{"select with columns", Select{Table: "Interface", Where: []Cond{Includes("trunks", Set{10})}, Columns: []string{"ofport"}},
			`{"op":"select","table":"Interface","where":[["trunks","includes",["set",[10]]]],"columns":["ofport"]}`},
		{"wait", Wait{Table: "Bridge", Where: []Cond{Equal("name", "br0")}, Columns: []string{"_version"}, Rows: []Row{{"_version": UUID("v")}}, Timeout: 1500 * time.Millisecond},
			`{"op":"wait","table":"Bridge","where":[["name","==","br0"]],"columns":["_version"],"until":"==","rows":[{"_version":["uuid","v"]}],"timeout":1500}`},
		{"wait for absence", Wait{Table: "Port", Where: []Cond{Equal("name", "p")}, Until: "=="},
			`{"op":"wait","table":"Port","where":[["name","==","p"]],"columns":[],"until":"==","rows":[],"timeout":0}`},
		{"comment", Comment{Comment: "vtep: ensure bridge"},
			`{"op":"comment","comment":"vtep: ensure bridge"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.op)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestOpEncodingErrors(t *testing.T) {
	for _, op := range []Op{
		Insert{Table: "Bridge", UUIDName: "bad-name"},
		Wait{Table: "Bridge", Until: "<"},
		Update{Table: "Bridge", Row: Row{"ports": []string{"x"}}},
		Mutate{Table: "Bridge", Mutations: []Mutation{{Column: "ports", Mutator: "insert", Value: struct{}{}}}},
		Delete{Table: "Bridge", Where: []Cond{Equal("name", []byte("x"))}},
	} {
		if b, err := json.Marshal(op); err == nil {
			t.Errorf("%T encoded to %s, want an error", op, b)
		}
	}
}
