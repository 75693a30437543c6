package agent

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/vtep/vtep/api"
)

// withGateways returns rigConfig with underlay.mcast_gateways set.
func withGateways(gws string) string {
	return strings.Replace(rigConfig, "local_ip: 10.0.0.1/24}", "local_ip: 10.0.0.1/24, mcast_gateways: ["+gws+"]}", 1)
}

// withNetworks returns rigConfig with other networks.
func withNetworks(config, networks string) string {
	i := strings.Index(config, "networks:")
	return config[:i] + "networks:\n" + networks
}

// TestGroupRoutesFollowTheConfiguration: reloads add a group's route, move
// routes to other gateways in place and remove a route no network uses;
// OVS keeps listening for tunnels throughout, and the memberships follow.
func TestGroupRoutesFollowTheConfiguration(t *testing.T) {
	three := "  - {vni: 10, vlan: 1, group: 239.1.1.1}\n  - {vni: 20, vlan: 2, group: 239.1.1.2}\n  - {vni: 30, vlan: 3, group: 239.1.1.3}\n"
	steps := []struct {
		name       string
		config     string
		wantRoutes []string
		wantDels   int // route deletions so far
		wantGroups []string
	}{
		{"start", rigConfig,
			[]string{"239.1.1.1/32 dev br-phy GW 10.0.0.254", "239.1.1.2/32 dev br-phy GW 10.0.0.253"},
			0, []string{"239.1.1.1", "239.1.1.2"}},
		{"a group added", withNetworks(rigConfig, three),
			[]string{"239.1.1.1/32 dev br-phy GW 10.0.0.254", "239.1.1.2/32 dev br-phy GW 10.0.0.253", "239.1.1.3/32 dev br-phy GW 10.0.0.252"},
			0, []string{"239.1.1.1", "239.1.1.2", "239.1.1.3"}},
		{"gateways moved", withNetworks(withGateways("10.0.0.240, 10.0.0.241, 10.0.0.242"), three),
			[]string{"239.1.1.1/32 dev br-phy GW 10.0.0.240", "239.1.1.2/32 dev br-phy GW 10.0.0.241", "239.1.1.3/32 dev br-phy GW 10.0.0.242"},
			0, []string{"239.1.1.1", "239.1.1.2", "239.1.1.3"}},
		{"a group removed", withNetworks(withGateways("10.0.0.240, 10.0.0.242"),
			"  - {vni: 10, vlan: 1, group: 239.1.1.1}\n  - {vni: 30, vlan: 3, group: 239.1.1.3}\n"),
			[]string{"10.0.0.1/32 dev br-phy", "239.1.1.1/32 dev br-phy GW 10.0.0.240", "239.1.1.3/32 dev br-phy GW 10.0.0.242"},
			1, []string{"239.1.1.1", "239.1.1.3"}},
		{"another removed, gateway moved back", withNetworks(rigConfig, "  - {vni: 10, vlan: 1, group: 239.1.1.1}\n"),
			[]string{"10.0.0.1/32 dev br-phy", "239.1.1.1/32 dev br-phy GW 10.0.0.254"}, 2, []string{"239.1.1.1"}},
	}
	r := newRig(t, rigConfig)
	ctx := context.Background()
	for i, s := range steps {
		var err error
		if i == 0 {
			err = r.reconcile(t)
		} else {
			err = r.a.Reload(ctx, mustConfig(t, s.config))
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := r.ovs.UserRoutes(); !slices.Equal(got, s.wantRoutes) {
			t.Errorf("%s: routes %q, want %q", s.name, got, s.wantRoutes)
		}
		if got := r.ovs.Count("ovs/route/del"); got != s.wantDels {
			t.Errorf("%s: %d route deletions, want %d", s.name, got, s.wantDels)
		}
		if got := ipStrings(r.igmp.Groups()); !slices.Equal(got, s.wantGroups) {
			t.Errorf("%s: groups held %q, want %q", s.name, got, s.wantGroups)
		}
		if !r.ovs.Listening(netip.MustParseAddr("10.0.0.1")) {
			t.Errorf("%s: OVS stopped listening for tunnels on 10.0.0.1", s.name)
		}
		for _, c := range r.a.Health().Checks {
			if !c.OK {
				t.Errorf("%s: health check %s failing: %s", s.name, c.Name, c.Detail)
			}
		}
		if got := r.a.TunnelRxRepairs(); got != 0 {
			t.Errorf("%s: %d tunnel receive repairs, want none (the route removal re-registers)", s.name, got)
		}
	}
	if n := r.ovs.Neighbors()[netip.MustParseAddr("10.0.0.242")]; n.MAC != "01:00:5e:01:01:03" {
		t.Errorf("neighbour of 239.1.1.3's placeholder = %+v, want the group's MAC", n)
	}
}

// TestStaleRoutesRemoved: the routes are read back from OVS, so a group
// route an earlier run left on the underlay bridge goes, a wanted group
// routed through another gateway moves, and routes vtepd does not own stay.
func TestStaleRoutesRemoved(t *testing.T) {
	r := newRig(t, rigConfig)
	ctx := context.Background()
	r.ovs.AddAddress("br-other", netip.MustParsePrefix("192.168.50.1/24"))
	for _, args := range [][]string{
		{"239.9.9.9/32", "br-phy", "10.0.0.200"},       // an earlier run's group
		{"239.1.1.1/32", "br-phy", "10.0.0.222"},       // a wanted group, another gateway
		{"10.0.0.128/25", "br-phy", "10.0.0.100"},      // not a group route
		{"239.5.5.5/32", "br-other", "192.168.50.254"}, // another bridge's
	} {
		if _, err := r.ovs.Call(ctx, "ovs/route/add", args...); err != nil {
			t.Fatal(err)
		}
	}
	r.mustConverge(t)
	want := []string{
		"10.0.0.1/32 dev br-phy",
		"10.0.0.128/25 dev br-phy GW 10.0.0.100",
		"239.1.1.1/32 dev br-phy GW 10.0.0.254",
		"239.1.1.2/32 dev br-phy GW 10.0.0.253",
		"239.5.5.5/32 dev br-other GW 192.168.50.254",
	}
	if got := r.ovs.UserRoutes(); !slices.Equal(got, want) {
		t.Errorf("routes %q, want %q", got, want)
	}
	if !r.ovs.Listening(netip.MustParseAddr("10.0.0.1")) || !r.check(t, api.CheckTunnelReceive).OK {
		t.Errorf("tunnel receive not up after removing a stale route: %+v", r.check(t, api.CheckTunnelReceive))
	}
	n, err := r.a.Reconcile(ctx)
	if err != nil || n != 0 {
		t.Errorf("second reconcile: %d changes, %v; want 0, nil", n, err)
	}
}

// TestPlaceholderGatewayInUse: a placeholder that a host answers for is
// refused, naming the key to set; the group stays unrouted and the
// group_routes check names it until a reload picks free addresses.
func TestPlaceholderGatewayInUse(t *testing.T) {
	r := newRig(t, rigConfig)
	r.hostAt("10.0.0.254", net.HardwareAddr{2, 0, 0, 0, 0, 0x99})
	err := r.reconcile(t)
	if err == nil || !strings.Contains(err.Error(), "placeholder gateway 10.0.0.254 is a real host's address (it answers ARP from 02:00:00:00:00:99)") ||
		!strings.Contains(err.Error(), "underlay.mcast_gateways") {
		t.Fatalf("err = %v, want the placeholder refused", err)
	}
	if got, want := r.ovs.UserRoutes(), []string{"239.1.1.2/32 dev br-phy GW 10.0.0.253"}; !slices.Equal(got, want) {
		t.Errorf("routes %q, want %q", got, want)
	}
	if c := r.check(t, api.CheckGroupRoutes); c.OK || c.Detail != "no tunnel route to 239.1.1.1" {
		t.Errorf("group_routes check = %+v, want failing for 239.1.1.1", c)
	}
	if err := r.a.Reload(context.Background(), mustConfig(t, withGateways("10.0.0.230, 10.0.0.231"))); err != nil {
		t.Fatal(err)
	}
	if c := r.check(t, api.CheckGroupRoutes); !c.OK {
		t.Errorf("group_routes check = %+v after free placeholders", c)
	}
}

// TestTunnelReceiveRepair: OVS deaf on the VTEP address (a route through
// the underlay bridge deleted by someone) is repaired by re-registering;
// when the repair cannot work, the tunnel_receive check says why.
func TestTunnelReceiveRepair(t *testing.T) {
	tests := []struct {
		name        string
		breakIt     func(t *testing.T, r *rig)
		wantOK      bool
		wantDetail  string
		wantRepairs uint64
	}{
		{"listening", func(*testing.T, *rig) {}, true, "OVS listens on 10.0.0.1 udp 4789", 0},
		{"deaf, repaired", deafen, true, "OVS listens on 10.0.0.1 udp 4789 (repaired 1 times)", 1},
		{"deaf, repair refused", func(t *testing.T, r *rig) { deafen(t, r); r.ovs.Fail("ovs/route/add", errBoom) },
			false, "broken: OVS does not listen on the VTEP address, and the repair failed: re-register tunnel receive on br-phy (10.0.0.1)", 0},
		{"listening on another port", func(_ *testing.T, r *rig) { r.ovs.SetUDPPort(4790) },
			false, "broken: OVS does not listen on the VTEP address even after re-registering it (is 10.0.0.1 an address of br-phy?) (repaired 1 times)", 1},
		{"cannot check", func(_ *testing.T, r *rig) { r.ovs.Fail("tnl/ports/show", errBoom) }, false, "broken: read tunnel receive ports", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, rigConfig)
			r.mustConverge(t)
			tt.breakIt(t, r)
			r.a.checkTunnelReceive(context.Background())
			c := r.check(t, api.CheckTunnelReceive)
			if c.OK != tt.wantOK || !strings.HasPrefix(c.Detail, tt.wantDetail) {
				t.Errorf("tunnel_receive = %+v, want ok %v and %q", c, tt.wantOK, tt.wantDetail)
			}
			if got := r.a.TunnelRxRepairs(); got != tt.wantRepairs {
				t.Errorf("%d repairs, want %d", got, tt.wantRepairs)
			}
		})
	}
}

// deafen deletes a route through br-phy as an operator's ovs-appctl would,
// which stops OVS listening on 10.0.0.1.
func deafen(t *testing.T, r *rig) {
	t.Helper()
	ctx := context.Background()
	if _, err := r.ovs.Call(ctx, "ovs/route/add", "10.0.0.128/25", "br-phy", "10.0.0.100"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ovs.Call(ctx, "ovs/route/del", "10.0.0.128/25"); err != nil {
		t.Fatal(err)
	}
	if r.ovs.Listening(netip.MustParseAddr("10.0.0.1")) {
		t.Fatal("still listening after a route deletion")
	}
}
