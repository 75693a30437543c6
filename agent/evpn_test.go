package agent

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/vtep/vtep/evpn"
	"github.com/vtep/vtep/pipeline"
)

var (
	macX = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0a}
	macY = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0b}
	v2   = netip.MustParseAddr("10.0.0.2")
	v3   = netip.MustParseAddr("10.0.0.3")
)

func quietLog() *logrus.Entry {
	l := logrus.New()
	l.SetOutput(os.Stderr)
	l.SetLevel(logrus.ErrorLevel)
	return logrus.NewEntry(l)
}

func TestSnapshotRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "br-int.evpn.json")
	in := map[uint32]evpn.Remote{10: {VTEPs: []netip.Addr{v2, v3},
		MACs: []evpn.Route{{Type: evpn.TypeMAC, VNI: 10, MAC: macX, VTEP: v2, Seq: 4}}}}
	saveSnapshot(quietLog(), path, in)
	if got := loadSnapshot(quietLog(), path); !reflect.DeepEqual(got, in) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, in)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("snapshot mode: %v %v", fi, err)
	}
}

// A snapshot that is missing, broken or crafted gives no routes at all:
// nothing of it may steer traffic.
func TestSnapshotHostile(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"not json":       "{{{",
		"multicast MAC":  `[{"vni":10,"vteps":[],"macs":[{"mac":"01:00:5e:00:00:01","vtep":"10.0.0.2"}]}]`,
		"bad MAC":        `[{"vni":10,"macs":[{"mac":"zz","vtep":"10.0.0.2"}]}]`,
		"multicast VTEP": `[{"vni":10,"macs":[{"mac":"02:00:00:00:00:0a","vtep":"239.1.1.1"}]}]`,
		"IPv6 VTEP":      `[{"vni":10,"macs":[{"mac":"02:00:00:00:00:0a","vtep":"::1"}]}]`,
		"bad address":    `[{"vni":10,"vteps":["10.0.0"]}]`,
	} {
		path := filepath.Join(dir, "x.json")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := loadSnapshot(quietLog(), path); len(got) != 0 {
			t.Errorf("%s: loaded %+v, want nothing", name, got)
		}
	}
	if got := loadSnapshot(quietLog(), filepath.Join(dir, "absent.json")); got != nil {
		t.Errorf("absent snapshot: %+v", got)
	}
	// A multicast flood VTEP is dropped, the rest kept.
	path := filepath.Join(dir, "y.json")
	if err := os.WriteFile(path, []byte(`[{"vni":10,"vteps":["239.1.1.1","10.0.0.2"]}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := loadSnapshot(quietLog(), path); !reflect.DeepEqual(got[10].VTEPs, []netip.Addr{v2}) {
		t.Errorf("flood VTEPs %v, want [10.0.0.2]", got[10].VTEPs)
	}
}

func TestMergeRemoteCurrentWins(t *testing.T) {
	cur := map[uint32]evpn.Remote{10: {VTEPs: []netip.Addr{v2}, MACs: []evpn.Route{{VNI: 10, MAC: macX, VTEP: v3, Seq: 2}}}}
	stale := map[uint32]evpn.Remote{
		10: {VTEPs: []netip.Addr{v3}, MACs: []evpn.Route{{VNI: 10, MAC: macX, VTEP: v2, Seq: 1}, {VNI: 10, MAC: macY, VTEP: v2}}},
		20: {VTEPs: []netip.Addr{v3}},
	}
	got := mergeRemote(cur, stale)
	want := map[uint32]evpn.Remote{10: {VTEPs: []netip.Addr{v2, v3},
		MACs: []evpn.Route{{VNI: 10, MAC: macX, VTEP: v3, Seq: 2}, {VNI: 10, MAC: macY, VTEP: v2}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merge:\n got %+v\nwant %+v (a network no longer local is not kept)", got, want)
	}
}

func TestFillEVPNNetworks(t *testing.T) {
	p := &evpnPlane{remote: map[uint32]evpn.Remote{10: {VTEPs: []netip.Addr{v3},
		MACs: []evpn.Route{{VNI: 10, MAC: macX, VTEP: v2}}}}}
	d := pipeline.Desired{RestrictVTEPs: true, Networks: []pipeline.Network{{VNI: 10, EVPN: true}, {VNI: 20}}}
	p.fill(&d)
	n := d.Networks[0]
	if !reflect.DeepEqual(n.FloodVTEPs, []netip.Addr{v3}) || len(n.RemoteMACs) != 1 || n.RemoteMACs[0].VTEP != v2 {
		t.Errorf("EVPN network: %+v", n)
	}
	if d.Networks[1].FloodVTEPs != nil || d.Networks[1].RemoteMACs != nil {
		t.Errorf("flood-and-learn network touched: %+v", d.Networks[1])
	}
	want := []netip.Prefix{netip.PrefixFrom(v3, 32), netip.PrefixFrom(v2, 32)}
	if !reflect.DeepEqual(d.TrustedVTEPs, want) {
		t.Errorf("trusted %v, want %v", d.TrustedVTEPs, want)
	}
	d = pipeline.Desired{Networks: []pipeline.Network{{VNI: 10, EVPN: true}}}
	p.fill(&d)
	if d.TrustedVTEPs != nil {
		t.Errorf("unrestricted VTEP got trusted prefixes %v", d.TrustedVTEPs)
	}
}
