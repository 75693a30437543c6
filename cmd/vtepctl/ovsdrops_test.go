package main

import (
	"testing"

	"github.com/vtep/vtep/api"
)

func TestOVSDropsLine(t *testing.T) {
	tests := []struct {
		s    api.Status
		want string
	}{
		{api.Status{OVSTunnelDrops: map[string]uint64{"tunnel_pop_error": 15, "invalid_tunnel_port": 2, "rx_invalid_packet": 0}},
			"17 (invalid_tunnel_port 2, tunnel_pop_error 15)"},
		{api.Status{OVSTunnelDrops: map[string]uint64{"tunnel_pop_error": 0}}, "0"},
		{api.Status{OVSTunnelDropsError: "control socket gone"}, "unknown: control socket gone"},
		{api.Status{}, "unknown: -"},
	}
	for _, tt := range tests {
		if got := ovsDrops(tt.s); got != tt.want {
			t.Errorf("ovsDrops(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}
