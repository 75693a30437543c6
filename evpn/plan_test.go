package evpn

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestPlanMobility(t *testing.T) {
	me := netip.MustParseAddr("10.0.0.5")
	low := netip.MustParseAddr("10.0.0.2")  // wins ties against me
	high := netip.MustParseAddr("10.0.0.9") // loses ties
	m := LocalMAC{VNI: 10, MAC: mac1}
	k := keyOf(10, mac1)
	remote := func(seq uint32, vtep netip.Addr) map[macKey]Route {
		return map[macKey]Route{k: {Type: TypeMAC, VNI: 10, MAC: mac1, VTEP: vtep, Seq: seq}}
	}
	cases := []struct {
		name      string
		local     LocalMAC
		adv       map[macKey]uint32
		remote    map[macKey]Route
		wantSeq   uint32
		wantEvict bool
	}{
		{"new MAC, nothing remote", m, nil, nil, 0, false},
		{"new MAC that was remote: one more than the remote", m, nil, remote(3, low), 4, false},
		{"advertised, remote older", m, map[macKey]uint32{k: 4}, remote(3, low), 4, false},
		{"advertised, remote newer: moved away", m, map[macKey]uint32{k: 4}, remote(5, high), 0, true},
		{"tie, remote VTEP lower: it wins", m, map[macKey]uint32{k: 4}, remote(4, low), 0, true},
		{"tie, remote VTEP higher: this one wins", m, map[macKey]uint32{k: 4}, remote(4, high), 4, false},
		{"static MAC never moves: it outbids", LocalMAC{VNI: 10, MAC: mac1, Static: true}, map[macKey]uint32{k: 4}, remote(9, low), 10, false},
	}
	for _, c := range cases {
		want, evict := plan([]LocalMAC{c.local}, c.adv, c.remote, me)
		if c.wantEvict {
			if len(evict) != 1 || len(want) != 0 {
				t.Errorf("%s: want eviction, got want=%v evict=%v", c.name, want, evict)
			}
			continue
		}
		if seq, ok := want[k]; !ok || seq != c.wantSeq || len(evict) != 0 {
			t.Errorf("%s: got seq %d (%v), evict %v; want seq %d", c.name, seq, ok, evict, c.wantSeq)
		}
	}
}

func TestBestRemote(t *testing.T) {
	me := netip.MustParseAddr("10.0.0.1")
	other := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0b}
	routes := []Route{
		{Type: TypeMAC, VNI: 10, MAC: mac1, VTEP: netip.MustParseAddr("10.0.0.3"), Seq: 1},
		{Type: TypeMAC, VNI: 10, MAC: mac1, VTEP: netip.MustParseAddr("10.0.0.2"), Seq: 2},
		{Type: TypeMAC, VNI: 10, MAC: mac1, VTEP: me, Seq: 9}, // this VTEP's own, reflected: ignored
		{Type: TypeMAC, VNI: 20, MAC: mac1, VTEP: netip.MustParseAddr("10.0.0.4")},
		{Type: TypeMAC, VNI: 10, MAC: other, VTEP: netip.MustParseAddr("10.0.0.4")},
		{Type: TypeMAC, VNI: 10, MAC: other, VTEP: netip.MustParseAddr("10.0.0.3")},
		{Type: TypeIMET, VNI: 10, VTEP: netip.MustParseAddr("10.0.0.7")},
	}
	best := bestRemote(routes, me)
	if len(best) != 3 {
		t.Fatalf("got %d entries: %v", len(best), best)
	}
	if r := best[keyOf(10, mac1)]; r.VTEP.String() != "10.0.0.2" || r.Seq != 2 {
		t.Errorf("highest sequence should win: %+v", r)
	}
	if r := best[keyOf(10, other)]; r.VTEP.String() != "10.0.0.3" {
		t.Errorf("equal sequences: lowest VTEP should win: %+v", r)
	}
	if r := best[keyOf(20, mac1)]; r.VTEP.String() != "10.0.0.4" {
		t.Errorf("same MAC in another VNI is its own entry: %+v", r)
	}
}
