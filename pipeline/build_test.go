package pipeline

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vtep/vtep/ofapp"
)

func TestBuildRejectsBadState(t *testing.T) {
	c := testConfig(t, multicast, vniNet(10, 1, "239.1.1.1"))
	tests := []struct {
		name  string
		edit  func(*State)
		field string
	}{
		{"no desired state", func(s *State) { s.Desired = Desired{} }, "Desired.LocalIP"},
		{"no MAC ageing", func(s *State) { s.Desired.MACAgeing = 0 }, "Desired.MACAgeing"},
		{"no UDP port", func(s *State) { s.Desired.UDPPort = 0 }, "Desired.UDPPort"},
		{"no tunnel port", func(s *State) { s.TunnelPort = 0 }, "TunnelPort"},
		{"port beyond reg3", func(s *State) { s.Ports = []Port{{Name: "vm9", OFPort: 70000, Tag: 1}} }, "Ports[vm9].OFPort: 70000"},
		{"port is the tunnel", func(s *State) { s.Ports = []Port{{Name: "vm9", OFPort: tunnel, Tag: 1}} }, "Ports[vm9].OFPort: 1"},
		{"duplicate port", func(s *State) { s.Ports = []Port{{Name: "a", OFPort: 5}, {Name: "b", OFPort: 5}} }, "Ports[b].OFPort: 5"},
		{"bad tag", func(s *State) { s.Ports = []Port{{Name: "vm9", OFPort: 5, Tag: 4095}} }, "Ports[vm9].Tag: 4095"},
		{"bad trunk", func(s *State) { s.Ports = []Port{{Name: "vm9", OFPort: 5, Trunks: []uint16{0}}} }, "Ports[vm9].Trunks: 0"},
		{"no uplink", func(s *State) { s.Underlay.UplinkPort = 0 }, "Underlay.UplinkPort"},
		{"no bridge MAC", func(s *State) { s.Underlay.BridgeMAC = nil }, "Underlay.BridgeMAC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testState(c, Port{Name: "vm1", OFPort: vm1, Tag: 1})
			tt.edit(&s)
			_, err := Build(s)
			var se *StateError
			if !errors.As(err, &se) || !errors.Is(err, ErrState) || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("Build = %v, want a *StateError naming %q", err, tt.field)
			}
		})
	}
}

func TestBuildDeterministic(t *testing.T) {
	c := testConfig(t, multicast, vniNet(30, 3, "239.1.1.2"), vniNet(10, 1, "239.1.1.1"), vniNet(20, 2, "239.1.1.1"))
	ports := []Port{{Name: "a", OFPort: 7, Trunks: []uint16{3, 1}}, {Name: "b", OFPort: 2, Tag: 2}, {Name: "c", OFPort: 5, Tag: 1}}
	want := render(mustBuild(t, testState(c, ports...)))
	reversed := []Port{ports[2], ports[1], {Name: "a", OFPort: 7, Trunks: []uint16{1, 3, 1}}}
	c2 := *c
	c2.Networks = []Network{c.Networks[1], c.Networks[2], c.Networks[0]}
	if got := render(mustBuild(t, testState(&c2, reversed...))); got != want {
		t.Errorf("output depends on input order:\n%s\nvs\n%s", got, want)
	}
	// Build leaves its input alone.
	if !reflect.DeepEqual(reversed[2].Trunks, []uint16{1, 3, 1}) || c2.Networks[0].VNI != 10 {
		t.Errorf("Build modified its input")
	}
}

// TestPortChangeIsLocal adds and removes one port and checks that only that
// port's flows and the flood flows of its VNIs differ: what the daemon's
// diff turns into flow-mods.
func TestPortChangeIsLocal(t *testing.T) {
	c := testConfig(t, multicast, vniNet(10, 1, "239.1.1.1"), vniNet(20, 2, "239.1.1.1"), vniNet(30, 3, "239.1.1.2"))
	base := []Port{{Name: "a", OFPort: 2, Tag: 1}, {Name: "b", OFPort: 3, Tag: 3}}
	added := Port{Name: "new", OFPort: 9, Trunks: []uint16{1, 2, 77}}
	before := mustBuild(t, testState(c, base...))
	after := mustBuild(t, testState(c, append(base, added)...))
	changed := diffFlows(before.Overlay, after.Overlay)
	if len(changed) == 0 {
		t.Fatal("adding a port changed no flow")
	}
	for _, f := range changed {
		mentionsPort := strings.Contains(f.Match.String(), "in_port=9") || strings.Contains(f.Match.String(), "reg3=0x9/")
		vni := Cookie(f.Cookie).VNI()
		floodOfItsVNIs := Cookie(f.Cookie).Feature() == FeatureFlood && (vni == 10 || vni == 20)
		if !mentionsPort && !floodOfItsVNIs {
			t.Errorf("adding port 9 changed an unrelated flow: %s", f)
		}
	}
	// Removing it again restores the original flows exactly.
	if d := diffFlows(after.Overlay, before.Overlay); len(d) != len(changed) {
		t.Errorf("removing the port changed %d flows, adding it %d", len(d), len(changed))
	}
	if !reflect.DeepEqual(before.Underlay, after.Underlay) {
		t.Errorf("a port change touched the underlay flows")
	}
}

// diffFlows returns the flows of b that a does not hold identically (by key
// and cookie), plus a's flows whose key b lacks.
func diffFlows(a, b []ofapp.Flow) []ofapp.Flow {
	ak := make(map[ofapp.Key]uint64)
	for _, f := range a {
		ak[f.Key()] = f.Cookie
	}
	bk := make(map[ofapp.Key]bool)
	var out []ofapp.Flow
	for _, f := range b {
		bk[f.Key()] = true
		if c, ok := ak[f.Key()]; !ok || c != f.Cookie {
			out = append(out, f)
		}
	}
	for _, f := range a {
		if !bk[f.Key()] {
			out = append(out, f)
		}
	}
	return out
}

func TestUnmappedPortsGetNoFlows(t *testing.T) {
	c := testConfig(t, multicast, vniNet(10, 1, "239.1.1.1"))
	r := mustBuild(t, testState(c, Port{Name: "stray", OFPort: 8, Tag: 42}, Port{Name: "trunk", OFPort: 9, Trunks: []uint16{42, 43}}, Port{Name: "plain", OFPort: 6}))
	for _, f := range r.Overlay {
		for _, p := range []string{"in_port=8", "in_port=9", "in_port=6", "reg3=0x8/", "reg3=0x9/", "reg3=0x6/", "output:8", "output:9", "output:6"} {
			if strings.Contains(f.String(), p) {
				t.Errorf("port without a mapped VLAN appears in %s", f)
			}
		}
	}
}

func TestLearnedCookiesCarryVNIAndPort(t *testing.T) {
	c := testConfig(t, multicast, vniNet(10, 1, "239.1.1.1"), vniNet(4000, 2, "239.1.1.1"))
	r := mustBuild(t, testState(c, Port{Name: "a", OFPort: 5, Tag: 1}, Port{Name: "t", OFPort: 7, Trunks: []uint16{1, 2}}))
	var got []string
	for _, f := range r.Overlay {
		for _, a := range f.Actions {
			l, ok := a.(ofapp.Learn)
			if !ok {
				continue
			}
			lc, fc := Cookie(l.Cookie), Cookie(f.Cookie)
			if lc.VNI() != fc.VNI() || !lc.Feature().Learned() || l.HardTimeout != 300 || l.IdleTimeout != 0 {
				t.Errorf("flow %s learns with cookie %s, hard %d, idle %d; want its VNI, hard 300, no idle", f, lc, l.HardTimeout, l.IdleTimeout)
			}
			got = append(got, lc.String())
		}
	}
	// Remote learning per VNI; local learning per (port, VNI), the port in
	// the learned flows' cookie.
	want := []string{"learned-remote vni=10", "learned-remote vni=4000",
		"learned-local vni=10 port=5", "learned-local vni=10 port=7", "learned-local vni=4000 port=7"}
	if !slices.Equal(got, want) {
		t.Errorf("learn cookies %q, want %q", got, want)
	}
}
