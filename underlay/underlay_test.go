package underlay_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
	"github.com/vtep/vtep/underlay"
)

func TestGroupRouteAndMembership(t *testing.T) {
	o := labstest.NewOVS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	underlayBridge(ctx, t, o)
	u := &underlay.Unixctl{Path: o.Unixctl()}
	r := underlay.GroupRoute{Group: net.ParseIP("239.1.1.1"), Bridge: "br-phy", Gateway: net.ParseIP("10.0.0.254")}
	// OVS learns br-phy's address asynchronously from the kernel: poll until the route takes.
	var changed bool
	err := labs.WaitFor(ctx, 50*time.Millisecond, func() (bool, error) {
		var err error
		changed, err = r.Ensure(ctx, u)
		return err == nil, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !changed {
		t.Errorf("first Ensure reported no change")
	}
	if changed, err := r.Ensure(ctx, u); err != nil || changed {
		t.Errorf("second Ensure = %v, %v; want no change", changed, err)
	}
	out, err := o.Appctl(ctx, "ovs/route/lookup", "239.1.1.1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "gateway 10.0.0.254") || !strings.Contains(out, "src 10.0.0.1") {
		t.Errorf("route lookup: %q", out)
	}
	if _, err := u.Call(ctx, "no/such/command"); err == nil || !strings.Contains(err.Error(), "no/such/command") {
		t.Errorf("unknown command error = %v", err)
	}
	checkTunnelReceive(ctx, t, o, u, r)
}

// checkTunnelReceive: moving a group to another gateway keeps OVS listening
// for tunnels; deleting its route stops it (OVS's behaviour that
// Reregister exists for), and Reregister restores it.
func checkTunnelReceive(ctx context.Context, t *testing.T, o *labs.OVS, u *underlay.Unixctl, r underlay.GroupRoute) {
	t.Helper()
	listening := func(when string, want bool) {
		t.Helper()
		got, err := underlay.Listening(ctx, u, net.ParseIP("10.0.0.1"), 4789)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			out, _ := o.Appctl(ctx, "tnl/ports/show", "-v")
			t.Errorf("%s: listening on 10.0.0.1:4789 = %v, want %v\n%s", when, got, want, out)
		}
	}
	// OVS listens for tunnels only with a tunnel port somewhere.
	if _, err := o.Vsctl(ctx, "add-br", "br-int", "--", "set", "bridge", "br-int", "datapath_type=netdev",
		"--", "add-port", "br-int", "vx0", "--", "set", "interface", "vx0", "type=vxlan",
		"options:remote_ip=flow", "options:key=flow"); err != nil {
		t.Fatal(err)
	}
	if err := labs.WaitFor(ctx, 50*time.Millisecond, func() (bool, error) {
		return underlay.Listening(ctx, u, net.ParseIP("10.0.0.1"), 4789)
	}); err != nil {
		out, _ := o.Appctl(ctx, "tnl/ports/show", "-v")
		t.Fatalf("OVS never listened on 10.0.0.1:4789: %v\n%s", err, out)
	}
	// Moving the group to another gateway replaces the route in place:
	// OVS keeps listening.
	r2 := r
	r2.Gateway = net.ParseIP("10.0.0.250")
	if changed, err := r2.Ensure(ctx, u); err != nil || !changed {
		t.Fatalf("Ensure with a new gateway = %v, %v; want a change", changed, err)
	}
	listening("after changing the gateway", true)
	if out, _ := o.Appctl(ctx, "ovs/route/show"); !strings.Contains(out, "239.1.1.1/32 dev br-phy GW 10.0.0.250") || strings.Contains(out, "GW 10.0.0.254") {
		t.Errorf("route not replaced: %s", out)
	}
	if err := underlay.RemoveGroupRoute(ctx, u, r.Group); err != nil {
		t.Fatal(err)
	}
	if out, _ := o.Appctl(ctx, "ovs/route/show"); strings.Contains(out, "239.1.1.1/32") {
		t.Errorf("route still there after RemoveGroupRoute: %s", out)
	}
	// OVS's own behaviour, which Reregister exists for: deleting a route
	// through br-phy makes OVS forget br-phy's tunnel receive address.
	listening("after the route's deletion", false)
	if err := underlay.Reregister(ctx, u, "br-phy", net.ParseIP("10.0.0.1")); err != nil {
		t.Fatal(err)
	}
	listening("after Reregister", true)
	if err := underlay.Reregister(ctx, u, "br-phy", net.ParseIP("10.0.0.1")); err != nil {
		t.Fatalf("second Reregister: %v", err)
	}
	if out, _ := o.Appctl(ctx, "ovs/route/lookup", "10.0.0.1"); !strings.Contains(out, "src 10.0.0.1") {
		t.Errorf("lookup of the VTEP address after Reregister: %q", out)
	}
}

func TestMembershipJoinsAndLeaves(t *testing.T) {
	o := labstest.NewOVS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	underlayBridge(ctx, t, o)
	var m *underlay.Membership
	if err := labs.InNetns(o.Netns, func() (err error) { m, err = underlay.NewMembership(net.ParseIP("10.0.0.1")); return err }); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	groups := func() string {
		out, err := labs.Exec(ctx, o.Netns, "ip", "maddr", "show", "dev", "br-phy")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if err := m.Set([]net.IP{net.ParseIP("239.1.1.1"), net.ParseIP("239.2.2.2")}); err != nil {
		t.Fatal(err)
	}
	if g := groups(); !strings.Contains(g, "239.1.1.1") || !strings.Contains(g, "239.2.2.2") {
		t.Errorf("br-phy memberships after join: %s", g)
	}
	if err := m.Set([]net.IP{net.ParseIP("239.2.2.2")}); err != nil {
		t.Fatal(err)
	}
	if g := groups(); strings.Contains(g, "239.1.1.1") || !strings.Contains(g, "239.2.2.2") {
		t.Errorf("br-phy memberships after leaving 239.1.1.1: %s", g)
	}
	if n := len(m.Groups()); n != 1 {
		t.Errorf("Groups() has %d entries, want 1", n)
	}
}

// underlayBridge gives the OVS instance a br-phy holding 10.0.0.1/24.
func underlayBridge(ctx context.Context, t *testing.T, o *labs.OVS) {
	t.Helper()
	if _, err := o.Vsctl(ctx, "add-br", "br-phy", "--", "set", "bridge", "br-phy", "datapath_type=netdev"); err != nil {
		t.Fatal(err)
	}
	if err := labs.AddAddr(o.Netns, "br-phy", "10.0.0.1/24"); err != nil {
		t.Fatal(err)
	}
	if err := labs.LinkUp(o.Netns, "br-phy"); err != nil {
		t.Fatal(err)
	}
}
