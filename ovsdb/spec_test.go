package ovsdb

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestBridgeSpecValidate(t *testing.T) {
	ok := BridgeSpec{Name: "br-int", DatapathType: "netdev", FailMode: "secure", Protocols: []string{"OpenFlow13", "OpenFlow15"},
		Controllers: []string{"unix:/run/vtepd.sock", "tcp:127.0.0.1:6653"}, DatapathID: "00000000000000A1",
		Ports: []PortSpec{{Name: "vm1", Tag: new(10)}, VXLAN{Name: "vxlan0"}.PortSpec()}, TableNames: map[int]string{0: "classify"}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid spec: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(*BridgeSpec)
		field string
		value string
	}{
		{"empty name", func(b *BridgeSpec) { b.Name = "" }, "bridge.name", ""},
		{"long name", func(b *BridgeSpec) { b.Name = "br-0123456789abc" }, "bridge.name", "br-0123456789abc"},
		{"datapath", func(b *BridgeSpec) { b.DatapathType = "dpdk" }, "datapath_type", "dpdk"},
		{"fail mode", func(b *BridgeSpec) { b.FailMode = "open" }, "fail_mode", "open"},
		{"no OpenFlow13", func(b *BridgeSpec) { b.Protocols = []string{"OpenFlow10"} }, "protocols", "OpenFlow10"},
		{"unknown protocol", func(b *BridgeSpec) { b.Protocols = []string{"OpenFlow13", "OF9"} }, "protocols", "OF9"},
		{"controller", func(b *BridgeSpec) { b.Controllers = []string{"/run/x.sock"} }, "controller target", "/run/x.sock"},
		{"dpid", func(b *BridgeSpec) { b.DatapathID = "a1" }, "datapath-id", "a1"},
		{"tag", func(b *BridgeSpec) { b.Ports = []PortSpec{{Name: "vm1", Tag: new(4096)}} }, "port vm1 tag", "4096"},
		{"trunk", func(b *BridgeSpec) { b.Ports = []PortSpec{{Name: "vm1", Trunks: []int{10, -1}}} }, "port vm1 trunks", "-1"},
		{"vlan mode", func(b *BridgeSpec) { b.Ports = []PortSpec{{Name: "vm1", VLANMode: "hybrid"}} }, "port vm1 vlan_mode", "hybrid"},
		{"port twice", func(b *BridgeSpec) { b.Ports = []PortSpec{{Name: "vm1"}, {Name: "vm1"}} }, "ports", "vm1"},
		{"device name too long", func(b *BridgeSpec) { b.Ports = []PortSpec{{Name: "tap0123456789abcd"}} }, "port.name", "tap0123456789abcd"},
		{"table id", func(b *BridgeSpec) { b.TableNames = map[int]string{255: "x"} }, "table id", "255"},
		{"table name", func(b *BridgeSpec) { b.TableNames = map[int]string{3: ""} }, "table 3 name", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := ok
			b.Ports = append([]PortSpec(nil), ok.Ports...)
			tc.edit(&b)
			err := b.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a FieldError", err)
			}
			if !strings.Contains(fe.Field, tc.field) || fe.Value != tc.value {
				t.Errorf("field/value = %q/%q, want %q/%q", fe.Field, fe.Value, tc.field, tc.value)
			}
		})
	}
}

func TestVXLANPortSpec(t *testing.T) {
	got := VXLAN{Name: "vxlan0", DstPort: 8472, LocalIP: "10.0.0.1", OfportRequest: 100}.PortSpec()
	want := PortSpec{Name: "vxlan0", Type: "vxlan", OfportRequest: 100,
		Options: map[string]string{"remote_ip": "flow", "key": "flow", "dst_port": "8472", "local_ip": "10.0.0.1"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := (VXLAN{Name: "vx"}).PortSpec().Options["dst_port"]; got != "4789" {
		t.Errorf("default dst_port = %s, want 4789", got)
	}
	for _, bad := range []VXLAN{{Name: "vx", LocalIP: "10.0.0"}, {Name: "vx", DstPort: 70000}, {Name: ""}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v validated, want an error", bad)
		}
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in, network, addr string
	}{
		{"unix:/run/openvswitch/db.sock", "unix", "/run/openvswitch/db.sock"},
		{"tcp:127.0.0.1:6640", "tcp", "127.0.0.1:6640"},
		{"tcp:[::1]:6640", "tcp", "[::1]:6640"},
	}
	for _, tc := range tests {
		n, a, err := ParseTarget(tc.in)
		if err != nil || n != tc.network || a != tc.addr {
			t.Errorf("ParseTarget(%q) = %q, %q, %v", tc.in, n, a, err)
		}
	}
	for _, bad := range []string{"", "/run/db.sock", "unix:", "tcp:127.0.0.1", "ssl:1.2.3.4:6640"} {
		if _, _, err := ParseTarget(bad); err == nil {
			t.Errorf("ParseTarget(%q) succeeded, want an error", bad)
		}
	}
}
