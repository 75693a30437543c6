package ovsdb

import (
	"encoding/json"
	"testing"
)

func TestParseControllerStatus(t *testing.T) {
	tests := []struct {
		name, row                      string
		connected                      bool
		state, lastError, role, reason string
		statusKeys                     int
	}{
		{"connected", `{"target":"unix:/run/openvswitch/vtepd.sock","is_connected":true,"role":"other",
			"status":["map",[["state","ACTIVE"],["sec_since_connect","12"]]]}`, true, "ACTIVE", "", "other", "", 2},
		{"backing off", `{"target":"unix:/run/openvswitch/vtepd.sock","is_connected":false,"role":["set",[]],
			"status":["map",[["last_error","Connection refused"],["state","BACKOFF"],["sec_since_disconnect","3"]]]}`,
			false, "BACKOFF", "Connection refused", "", "state BACKOFF, last error: Connection refused", 3},
		{"connecting", `{"target":"tcp:192.0.2.1:6653","is_connected":false,"status":["map",[["state","CONNECTING"]]]}`,
			false, "CONNECTING", "", "", "state CONNECTING", 1},
		{"refused by ovs-vswitchd", `{"target":"unix:/tmp/x.sock","is_connected":false,"status":["map",[]]}`,
			false, "", "", "", NoStatusReason, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Row
			if err := json.Unmarshal([]byte(tt.row), &r); err != nil {
				t.Fatal(err)
			}
			cs, err := ParseControllerStatus("br-int", r)
			if err != nil {
				t.Fatal(err)
			}
			if cs.Bridge != "br-int" || cs.IsConnected != tt.connected || cs.State != tt.state || cs.LastError != tt.lastError ||
				cs.Role != tt.role || cs.Reason != tt.reason || len(cs.Status) != tt.statusKeys {
				t.Errorf("got %+v", cs)
			}
		})
	}
	for _, bad := range []string{`{"status":["set",["x"]]}`, `{"is_connected":"yes"}`, `{"status":["map",[["state",1]]]}`} {
		var r Row
		if err := json.Unmarshal([]byte(bad), &r); err != nil {
			t.Fatal(err)
		}
		if cs, err := ParseControllerStatus("br-int", r); err == nil {
			t.Errorf("ParseControllerStatus(%s) = %+v, want an error", bad, cs)
		}
	}
}
