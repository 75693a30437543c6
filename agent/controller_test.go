package agent

import (
	"strings"
	"testing"

	"github.com/vtep/vtep/ovsdb"
)

func TestExplainController(t *testing.T) {
	cfg := mustConfig(t, baseConfig+"ovsdb: unix:/run/openvswitch/db.sock\n")
	inside, outside := "unix:/run/openvswitch/vtepd.sock", "unix:/run/vtep/vtepd.sock"
	tests := []struct {
		name string
		cs   ovsdb.ControllerStatus
		want string // substring of the reason; "" = reason unchanged
	}{
		{"outside the run dir, no status", ovsdb.ControllerStatus{Target: outside, Reason: ovsdb.NoStatusReason}, "outside its run directory /run/openvswitch"},
		{"inside the run dir, no status yet", ovsdb.ControllerStatus{Target: inside, Reason: ovsdb.NoStatusReason}, ""},
		{"outside but with a status", ovsdb.ControllerStatus{Target: outside, State: "BACKOFF", Reason: "state BACKOFF"}, ""},
		{"connected", ovsdb.ControllerStatus{Target: outside, IsConnected: true, State: "ACTIVE"}, ""},
		{"tcp", ovsdb.ControllerStatus{Target: "tcp:127.0.0.1:6653", Reason: ovsdb.NoStatusReason}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := explainController(cfg, tt.cs)
			switch {
			case tt.want == "" && got.Reason != tt.cs.Reason:
				t.Errorf("reason = %q, want it unchanged (%q)", got.Reason, tt.cs.Reason)
			case tt.want != "" && !strings.Contains(got.Reason, tt.want):
				t.Errorf("reason = %q, want it to say %q", got.Reason, tt.want)
			}
		})
	}
}
