package labs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/labs"
)

func TestShippedLabFilesLoad(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) < 2 {
		t.Fatalf("lab files: %v %v", files, err)
	}
	for _, f := range files {
		lf, err := labs.LoadFile(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, h := range lf.Hypervisors {
			// vtepd's evpn section is checked by the lab (TestVtepdEVPNSection).
			h.EVPN = nil
			c, err := config.Parse(lf.VtepdConfig(h, "/tmp/x"))
			if err != nil {
				t.Errorf("%s %s: %v", f, h.Name, err)
				continue
			}
			if c.Underlay.LocalIP.String() != h.VTEPIP {
				t.Errorf("%s %s: local_ip %s, want %s", f, h.Name, c.Underlay.LocalIP, h.VTEPIP)
			}
		}
	}
}

func TestLabFileErrors(t *testing.T) {
	good, err := os.ReadFile("figure4.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, from, to, want string
	}{
		{"unknown key", "igmp_snooping: true", "igmp_snoping: true", "line 9: field igmp_snoping not found"},
		{"unknown hypervisor", "{name: c, hypervisor: hv3", "{name: c, hypervisor: hv4", `vms[2].hypervisor: "hv4" is not a hypervisor`},
		{"duplicate name", "{name: hv3, vtep_ip", "{name: hv2, vtep_ip", `hypervisors[2].name: node name "hv2" is already used`},
		{"duplicate vtep ip", "vtep_ip: 10.0.0.3/24", "vtep_ip: 10.0.0.2/24", "address 10.0.0.2 is already used"},
		{"vlan out of range", "ip: 192.168.10.3/24, vlan: 1", "ip: 192.168.10.3/24, vlan: 4095", "vms[2].vlan: 4095 out of range"},
		{"unmapped vlan", "ip: 192.168.10.3/24, vlan: 1", "ip: 192.168.10.3/24, vlan: 7", `vms[2].vlan: 7 is mapped to no VNI on hypervisor "hv3"`},
		{"bad vni", "- vni: 10", "- vni: 0", "networks[0].vni"},
		{"same ip in one vni", "ip: 192.168.10.3/24", "ip: 192.168.10.2/24", "address 192.168.10.2 is already used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Replace(string(good), tt.from, tt.to, 1)
			if data == string(good) {
				t.Fatalf("test edit %q not found in figure4.yaml", tt.from)
			}
			_, err := labs.ParseFile([]byte(data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseFile error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestLabFileErrorLines checks that semantic errors name the line of the
// key in the lab file, and that a network error names the lab file's key
// once, not each hypervisor's generated configuration.
func TestLabFileErrorLines(t *testing.T) {
	good, err := os.ReadFile("figure4.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"unknown hypervisor", "{name: c, hypervisor: hv3", "{name: c, hypervisor: hv4", []string{`line 24: vms[2].hypervisor: "hv4" is not a hypervisor`}},
		{"duplicate vtep ip", "vtep_ip: 10.0.0.3/24", "vtep_ip: 10.0.0.2/24", []string{"line 20: hypervisors[2].vtep_ip: address 10.0.0.2 is already used by hypervisors[1].vtep_ip"}},
		{"bad vni", "- vni: 10", "- vni: 0", []string{"line 14: vtep.networks[0].vni: 0 out of range"}},
		{"bad group", "group: 239.1.1.1", "group: 10.1.1.1", []string{"line 16: vtep.networks[0].group"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Replace(string(good), tt.from, tt.to, 1)
			_, err := labs.ParseFile([]byte(data))
			if err == nil {
				t.Fatal("ParseFile accepted the file")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
				if strings.Count(err.Error(), "\n")+1 != len(tt.want) {
					t.Errorf("error %q has more than the %d expected lines", err, len(tt.want))
				}
			}
		})
	}
}
