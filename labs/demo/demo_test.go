package demo

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

func TestNewCast(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"../figure4.yaml", "A=a@hv1 B=b@hv2 vni=10 group=239.1.1.1 carriers=[hv1 hv2 hv3] receivers=[hv2 hv3] onlookers=[hv3] cables=[hv1 hv2 hv3] snooping=true"},
		{"../figure2.yaml", "A=t1a@hv1 B=t1b@hv2 vni=1000 group=239.1.1.1 carriers=[hv1 hv2] receivers=[hv2 pm1] onlookers=[pm1] cables=[hv1 hv2 pm1] snooping=false"},
	}
	for _, tt := range tests {
		f, err := labs.LoadFile(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		c, err := NewCast(f)
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		got := fmt.Sprintf("A=%s@%s B=%s@%s vni=%d group=%s carriers=%v receivers=%v onlookers=%v cables=%v snooping=%v",
			c.A.Name, c.HVA.Name, c.B.Name, c.HVB.Name, c.VNI, c.Group, c.Carriers, c.receivers(), c.onlookers(), c.UnderlayCables, c.UnderlaySnooping)
		if got != tt.want {
			t.Errorf("%s: cast\n got %s\nwant %s", tt.file, got, tt.want)
		}
	}
}

func TestNewCastRefuses(t *testing.T) {
	f, err := labs.LoadFile("../figure4.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f.VTEP.Flood = "replication"
	if _, err := NewCast(f); err == nil || !strings.Contains(err.Error(), "multicast flooding") {
		t.Errorf("NewCast in replication mode = %v", err)
	}
	f.VTEP.Flood = ""
	f.VMs = f.VMs[:1]
	if _, err := NewCast(f); err == nil || !strings.Contains(err.Error(), "needs two VMs") {
		t.Errorf("NewCast with one VM = %v", err)
	}
}

func TestLearnedLookups(t *testing.T) {
	macA, _ := net.ParseMAC("02:00:00:00:00:0a")
	macB, _ := net.ParseMAC("02:00:00:00:00:0b")
	es := []labs.LearnedEntry{
		{LearnedMAC: pipeline.LearnedMAC{VNI: 10, MAC: macA, Port: 1}, PortName: "a", Age: 2 * time.Second},
		{LearnedMAC: pipeline.LearnedMAC{VNI: 1000, MAC: macB, Remote: true, VTEP: netip.MustParseAddr("10.0.0.2")}, Age: time.Second},
	}
	if !hasRemote(es, "02:00:00:00:00:0b", 1000, "10.0.0.2") || hasRemote(es, "02:00:00:00:00:0b", 10, "10.0.0.2") ||
		hasRemote(es, "02:00:00:00:00:0a", 10, "0.0.0.0") || !hasRemote(es, "02:00:00:00:00:0B", 1000, "10.0.0.2") {
		t.Error("hasRemote disagrees with the entries")
	}
	if !hasLocal(es, "02:00:00:00:00:0a", 10, "a") || hasLocal(es, "02:00:00:00:00:0a", 10, "b") || hasLocal(es, "02:00:00:00:00:0b", 1000, "") {
		t.Error("hasLocal disagrees with the entries")
	}
	if !knows(es, "02:00:00:00:00:0a", 10) || knows(es, "02:00:00:00:00:0c", 10) {
		t.Error("knows disagrees with the entries")
	}
	var b bytes.Buffer
	printLearned(&b, "  ", es)
	want := "  MAC                VNI   BEHIND         AGE\n  02:00:00:00:00:0a  10    local port a   2s\n  02:00:00:00:00:0b  1000  VTEP 10.0.0.2  1s\n"
	if b.String() != want {
		t.Errorf("printLearned:\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	printLearned(&b, "  ", nil)
	if b.String() != "  (no MAC learned)\n" {
		t.Errorf("printLearned of nothing = %q", b.String())
	}
}
