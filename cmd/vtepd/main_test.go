package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRunCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	cfg := "underlay:\n  uplink: eth0\n  local_ip: 10.0.0.1/24\nnetworks:\n  - vni: 10\n    vlan: 1\n    group: 239.1.1.1\n"
	if err := os.WriteFile(good, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(cfg+"  - vni: 20\n    vlan: 5000\n    group: 239.1.1.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"valid configuration", []string{"-config", good, "-check"}, 0},
		{"invalid configuration", []string{"-config", bad, "-check"}, 1},
		{"invalid configuration without -check starts nothing", []string{"-config", bad}, 1},
		{"missing file", []string{"-config", filepath.Join(dir, "none.yaml"), "-check"}, 1},
		{"unknown flag", []string{"-bogus"}, 2},
		{"stray argument", []string{"-config", good, "extra"}, 2},
		{"bad log level", []string{"-log-level", "loud", "-config", good}, 2},
		{"version", []string{"-version"}, 0},
		{"lease too short", []string{"-config", good, "-igmp-lease", "1s"}, 2},
		{"holder without its flags", []string{"hold-groups"}, 2},
		{"holder with a bad address", []string{"hold-groups", "-socket", "s", "-pidfile", "p", "-local", "239.1.1.1"}, 2},
		{"holder with a short lease", []string{"hold-groups", "-socket", "s", "-pidfile", "p", "-local", "10.0.0.1", "-lease", "5s"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(tt.args); got != tt.want {
				t.Errorf("run(%q) = %d, want %d", tt.args, got, tt.want)
			}
		})
	}
}
