package test

import (
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// TestPortSecurityStopsMACTheft runs labs/figure4.yaml plus VM m on hv1
// (VLAN 1, like a). a's interface gets external_ids:attached-mac; m then
// sends frames from a's MAC, first unsecured, then secured itself, and
// from a MAC of its own choosing: hv1 drops each (drop-port-security,
// counted), no VTEP's MAC table changes, and a's pings to b lose nothing.
func TestPortSecurityStopsMACTheft(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", func(f *labs.File) {
		f.VMs = append(f.VMs, labs.FileVM{Name: "m", Hypervisor: "hv1", MAC: "02:00:00:00:00:1a", IP: "192.168.10.11/24", VLAN: 1, Tagged: true})
	})
	secure := func(port, mac string) {
		t.Helper()
		if _, err := r.OVS["hv1"].Vsctl(ctxT(t, 10*time.Second), "set", "interface", port, "external_ids:attached-mac="+mac); err != nil {
			t.Fatal(err)
		}
		err := labs.WaitFor(ctxT(t, 10*time.Second), 100*time.Millisecond, func() (bool, error) {
			for _, f := range withFeature(flows(t, r, "hv1", labs.DefaultOverlayBridge), pipeline.FeatureMACStatic) {
				if strings.Contains(f.Match, "dl_dst="+mac) {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			t.Fatalf("hv1: no static entry for %s of port %s: %v", mac, port, err)
		}
	}
	secure("a", "02:00:00:00:00:0a")
	mustPing(t, r, "a", "192.168.10.2", 3)
	mustPing(t, r, "m", "192.168.10.3", 1)
	tables := func() map[string][]macEntry {
		out := map[string][]macEntry{}
		for _, hv := range hypervisors(r) {
			out[hv] = macTable(t, r, hv)
		}
		return out
	}
	before := tables()
	base := droppedBy(t, r, "hv1", uint8(pipeline.FeatureDropPortSecurity))

	aMAC, _ := net.ParseMAC("02:00:00:00:00:0a")
	bMAC, _ := net.ParseMAC("02:00:00:00:00:0b")
	other, _ := net.ParseMAC("02:00:00:00:00:99")
	bcast := net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	const n = 10
	steal := func(src net.HardwareAddr) {
		var frames [][]byte
		for range n / 2 {
			frames = append(frames, ethernet(t, src, bcast), ethernet(t, src, bMAC))
		}
		sendFrames(t, r, "m", "eth0", frames...)
	}
	pinged := make(chan error, 1)
	go func() { pinged <- ping(t, r, "a", "192.168.10.2", 10) }()
	steal(aMAC) // m not secured: a's MAC is static on a, dropped elsewhere
	secure("m", "02:00:00:00:00:1a")
	steal(aMAC)  // m secured: not its MAC
	steal(other) // nor is this one
	if err := <-pinged; err != nil {
		t.Errorf("a -> b while m steals a's MAC: %v", err)
	}
	want := base + 3*n
	var got uint64
	err := labs.WaitFor(ctxT(t, 10*time.Second), 200*time.Millisecond, func() (bool, error) {
		got = droppedBy(t, r, "hv1", uint8(pipeline.FeatureDropPortSecurity))
		return got >= want, nil
	})
	if err != nil || got != want {
		t.Errorf("hv1: drop-port-security counted %d frames, want %d", got-base, 3*n)
	}
	if after := tables(); !reflect.DeepEqual(after, before) {
		t.Errorf("MAC tables changed:\n got %v\nwant %v", after, before)
	}
	// m still works from its own MAC.
	mustPing(t, r, "m", "192.168.10.3", 2)
	checkNoPacketIns(t, r)
}
