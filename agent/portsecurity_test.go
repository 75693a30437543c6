package agent

import (
	"fmt"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"github.com/vtep/vtep/ovsdb"
)

func TestPortSecurityFromExternalIDs(t *testing.T) {
	tests := []struct {
		name     string
		ids      map[string]string
		secured  bool
		macs     string
		warnings int
	}{
		{"none", map[string]string{"iface-id": "x"}, false, "[]", 0},
		{"attached-mac", map[string]string{KeyAttachedMAC: "fa:16:3e:00:00:01"}, true, "[fa:16:3e:00:00:01]", 0},
		{"both, merged", map[string]string{KeyAttachedMAC: "fa:16:3e:00:00:01", KeyAllowedMACs: "02:00:00:00:00:02, fa:16:3e:00:00:01 02:00:00:00:00:03"},
			true, "[fa:16:3e:00:00:01 02:00:00:00:00:02 02:00:00:00:00:03]", 0},
		{"bad entries left out", map[string]string{KeyAllowedMACs: "02:00:00:00:00:02,zz,01:00:5e:00:00:01,00:00:00:00:00:00"},
			true, "[02:00:00:00:00:02]", 3},
		{"nothing valid: fail closed", map[string]string{KeyAttachedMAC: "ff:ff:ff:ff:ff:ff"}, true, "[]", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, hook := test.NewNullLogger()
			secured, macs := portSecurity(logrus.NewEntry(log), ovsdb.PortInfo{Name: "vm1", IfaceExternal: tt.ids})
			if secured != tt.secured || fmt.Sprint(macs) != tt.macs || len(hook.AllEntries()) != tt.warnings {
				t.Errorf("portSecurity = %v %v with %d warnings, want %v %s with %d", secured, macs, len(hook.AllEntries()), tt.secured, tt.macs, tt.warnings)
			}
		})
	}
}

func TestPortAllowedIPsFromExternalIDs(t *testing.T) {
	tests := []struct {
		name     string
		ids      map[string]string
		ips      string
		warnings int
	}{
		{"none", map[string]string{KeyAttachedMAC: "fa:16:3e:00:00:01"}, "[]", 0},
		{"list", map[string]string{KeyAllowedIPs: "192.168.10.3, 192.168.10.4 192.168.10.3"}, "[192.168.10.3 192.168.10.4]", 0},
		{"bad entries left out", map[string]string{KeyAllowedIPs: "2001:db8::1,0.0.0.0,239.1.1.1,255.255.255.255,x,10.0.0.1/24,10.0.0.2"},
			"[10.0.0.2]", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, hook := test.NewNullLogger()
			ips := portAllowedIPs(logrus.NewEntry(log), ovsdb.PortInfo{Name: "vm1", IfaceExternal: tt.ids})
			if fmt.Sprint(ips) != tt.ips || len(hook.AllEntries()) != tt.warnings {
				t.Errorf("portAllowedIPs = %v with %d warnings, want %s with %d", ips, len(hook.AllEntries()), tt.ips, tt.warnings)
			}
		})
	}
}
