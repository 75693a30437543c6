package labs_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vtep/vtep/labs"
)

func TestLabFileEmpty(t *testing.T) {
	for _, content := range []string{"", "\n\n", "# only a comment\n"} {
		path := filepath.Join(t.TempDir(), "empty.yaml")
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := labs.LoadFile(path)
		if !errors.Is(err, labs.ErrEmptyFile) {
			t.Errorf("LoadFile(%q) = %v, want ErrEmptyFile", content, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "is empty") {
			t.Errorf("LoadFile(%q) error %q does not say that %s is empty", content, msg, path)
		}
	}
}

// TestLabFileDuplicateVMIPNamesOther checks that a VM address in use twice
// in a VNI names the other entry, never the entry itself, even when the
// hypervisor's name or the VM's VLAN appears twice.
func TestLabFileDuplicateVMIPNamesOther(t *testing.T) {
	good, err := os.ReadFile("figure4.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, from, to string
		want, not      []string
	}{
		{"two vms", "ip: 192.168.10.3/24", "ip: 192.168.10.1/24",
			[]string{"vms[2].ip: address 192.168.10.1 is already used in VNI 10 by vms[0].ip"}, nil},
		{"duplicate hypervisor name", "{name: hv2, vtep_ip", "{name: hv1, vtep_ip",
			[]string{`node name "hv1" is already used by hypervisors[0].name`}, []string{"by vms[0].ip"}},
		{"vlan mapped twice", "      group: 239.1.1.1\n", "      group: 239.1.1.1\n    - vni: 10\n      vlan: 1\n      group: 239.1.1.1\n",
			[]string{"vtep.networks[1].vlan: 1 duplicate"}, []string{"by vms[0].ip", "by vms[1].ip", "by vms[2].ip"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Replace(string(good), tt.from, tt.to, 1)
			if data == string(good) {
				t.Fatalf("test edit %q not found in figure4.yaml", tt.from)
			}
			_, err := labs.ParseFile([]byte(data))
			if err == nil {
				t.Fatal("ParseFile accepted the file")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("error %q reports an entry as its own duplicate (%q)", err, n)
				}
			}
		})
	}
}
