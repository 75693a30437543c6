package agent

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"github.com/vtep/vtep/ovsdb"
	"github.com/vtep/vtep/pipeline"
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
		name       string
		ids        map[string]string
		secured    bool
		restricted bool
		ips        string
		warnings   int
	}{
		{"none", map[string]string{KeyAttachedMAC: "fa:16:3e:00:00:01"}, true, false, "[]", 0},
		{"list", map[string]string{KeyAllowedIPs: "192.168.10.3, 192.168.10.4 192.168.10.3"}, true, true, "[192.168.10.3 192.168.10.4]", 0},
		{"bad entries left out", map[string]string{KeyAllowedIPs: "2001:db8::1,0.0.0.0,239.1.1.1,255.255.255.255,x,10.0.0.1/24,10.0.0.2"},
			true, true, "[10.0.0.2]", 6},
		{"nothing valid: fail closed", map[string]string{KeyAllowedIPs: "10.0.0.300,::ffff:10.0.0.1,0.0.0.0"}, true, true, "[]", 4},
		{"empty: fail closed", map[string]string{KeyAllowedIPs: " , "}, true, true, "[]", 1},
		{"port not secured: ignored", map[string]string{KeyAllowedIPs: "10.0.0.2"}, false, false, "[]", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, hook := test.NewNullLogger()
			restricted, ips := portAllowedIPs(logrus.NewEntry(log), ovsdb.PortInfo{Name: "vm1", IfaceExternal: tt.ids}, tt.secured)
			if restricted != tt.restricted || fmt.Sprint(ips) != tt.ips || len(hook.AllEntries()) != tt.warnings {
				t.Errorf("portAllowedIPs = %v %v with %d warnings, want %v %s with %d", restricted, ips, len(hook.AllEntries()), tt.restricted, tt.ips, tt.warnings)
			}
			for _, e := range hook.AllEntries() {
				if e.Level != logrus.WarnLevel || e.Data["port"] != "vm1" || e.Data["key"] != "external_ids:"+KeyAllowedIPs {
					t.Errorf("log %q %v: want a warning naming the port and the key", e.Message, e.Data)
				}
			}
		})
	}
}

// TestHostileAllowedIPsBuild: whatever vtep-allowed-ips holds, the port
// the agent reads from it builds (no entry makes Build refuse the whole
// bridge's state), and the flows allow exactly the valid addresses: a
// list of only bad entries allows none but DHCP requests (fail closed).
func TestHostileAllowedIPsBuild(t *testing.T) {
	for value, want := range map[string][]string{
		"2001:db8::1,0.0.0.0,10.0.0.2,x,10.0.0.2,::ffff:10.0.0.3": {"nw_src=0.0.0.0", "nw_src=10.0.0.2"},
		"garbage;10.0.0.4": {"nw_src=0.0.0.0"},
	} {
		log, _ := test.NewNullLogger()
		info := ovsdb.PortInfo{Name: "vm1", IfaceExternal: map[string]string{KeyAttachedMAC: "02:00:00:00:00:01", KeyAllowedIPs: value}}
		p := pipeline.Port{Name: "vm1", OFPort: 2, Tag: 1}
		p.Secured, p.AllowedMACs = portSecurity(logrus.NewEntry(log), info)
		p.IPSecured, p.AllowedIPs = portAllowedIPs(logrus.NewEntry(log), info, p.Secured)
		st := pipeline.State{TunnelPort: 1, Ports: []pipeline.Port{p}, Underlay: pipeline.Underlay{UplinkPort: 1, BridgeMAC: net.HardwareAddr{2, 0xaa, 0, 0, 0, 1}},
			Desired: pipeline.Desired{LocalIP: netip.MustParseAddr("10.0.0.1"), UDPPort: 4789, MACAgeing: 300,
				Networks: []pipeline.Network{{VNI: 10, VLAN: 1, Group: netip.MustParseAddr("239.1.1.1")}}}}
		r, err := pipeline.Build(st)
		if err != nil {
			t.Errorf("%q: Build: %v", value, err)
			continue
		}
		var got []string
		for _, f := range r.Overlay {
			for _, m := range f.Match {
				if f.Table == pipeline.TableLocalIn && m.Name() == "nw_src" {
					got = append(got, m.String())
				}
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%q: local-in allows IPv4 sources %v, want %v", value, got, want)
		}
	}
}
