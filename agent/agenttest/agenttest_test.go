package agenttest_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/vtep/vtep/agent"
	"github.com/vtep/vtep/agent/agenttest"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/underlay"
)

// The fakes satisfy the agent's interfaces.
var (
	_ agent.PortSwitch = (*agenttest.Switch)(nil)
	_ agent.PortSource = (*agenttest.Ports)(nil)
	_ agent.Unixctl    = (*agenttest.Unixctl)(nil)
	_ agent.Membership = (*agenttest.Membership)(nil)
)

// TestUnixctlLikeOVS drives the fake with the underlay package's helpers,
// which speak to the real ovs-vswitchd the same way.
func TestUnixctlLikeOVS(t *testing.T) {
	ctx := context.Background()
	u := agenttest.NewUnixctl()
	u.AddAddress("br-phy", netip.MustParsePrefix("10.0.0.1/24"))
	local := net.ParseIP("10.0.0.1")
	listening := func() bool {
		ok, err := underlay.Listening(ctx, u, local, 4789)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	r := underlay.GroupRoute{Group: net.ParseIP("239.1.1.1"), Bridge: "br-phy", Gateway: net.ParseIP("10.0.0.254")}
	steps := []struct {
		name          string
		do            func() error
		wantRoutes    []string
		wantListening bool
	}{
		{"start", func() error { return nil }, nil, true},
		{"route a group", func() error { _, err := r.Ensure(ctx, u); return err },
			[]string{"239.1.1.1/32 dev br-phy GW 10.0.0.254"}, true},
		{"move it to another gateway", func() error {
			r.Gateway = net.ParseIP("10.0.0.250")
			_, err := r.Ensure(ctx, u)
			return err
		}, []string{"239.1.1.1/32 dev br-phy GW 10.0.0.250"}, true},
		{"delete it: OVS goes deaf", func() error { return underlay.RemoveGroupRoute(ctx, u, r.Group) }, nil, false},
		{"re-register", func() error { return underlay.Reregister(ctx, u, "br-phy", local) },
			[]string{"10.0.0.1/32 dev br-phy"}, true},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := u.UserRoutes(); !slices.Equal(got, s.wantRoutes) {
			t.Errorf("%s: routes %q, want %q", s.name, got, s.wantRoutes)
		}
		if got := listening(); got != s.wantListening {
			t.Errorf("%s: listening %v, want %v", s.name, got, s.wantListening)
		}
	}
	if n := u.Neighbors()[netip.MustParseAddr("10.0.0.250")]; n.MAC != "01:00:5e:01:01:01" || n.Bridge != "br-phy" {
		t.Errorf("neighbour of the placeholder = %+v, want the group's MAC on br-phy", n)
	}
	hop, err := underlay.LookupNextHop(ctx, u, netip.MustParseAddr("10.0.0.7"))
	if err != nil || hop.Dev != "br-phy" || hop.Gateway.IsValid() {
		t.Errorf("lookup of a neighbour = %+v, %v; want on link through br-phy", hop, err)
	}
	var ce *underlay.CommandError
	for _, bad := range [][]string{{"ovs/route/del", "239.9.9.9/32"}, {"ovs/route/add", "239.9.9.9/32", "br-none", "10.0.0.9"}, {"no/such"}} {
		if _, err := u.Call(ctx, bad[0], bad[1:]...); !errors.As(err, &ce) {
			t.Errorf("%v: err = %v, want OVS's refusal", bad, err)
		}
	}
	u.Fail("ovs/route/show", errors.New("connection refused"))
	if _, err := u.Call(ctx, "ovs/route/show"); err == nil {
		t.Errorf("a failed command answered")
	}
	if got := u.Count("ovs/route/add"); got != 4 {
		t.Errorf("%d route adds recorded, want 4", got)
	}
}

func TestSwitchAppliesAndFails(t *testing.T) {
	ctx := context.Background()
	sw := agenttest.NewSwitch(7)
	f := ofapp.Flow{Table: 0, Priority: 1, Cookie: 0x10, Match: ofapp.Match{ofapp.MatchInPort(1)}, Actions: []ofapp.Action{ofapp.Output{Port: 2}}}
	var b ofapp.Batch
	b.AddFlows(f)
	sw.Fail(agenttest.OpApply, errors.New("bundle refused"))
	if err := sw.Apply(ctx, &b); err == nil {
		t.Fatal("Apply did not fail")
	}
	sw.Fail(agenttest.OpApply, nil)
	if err := sw.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if err := sw.Apply(ctx, &ofapp.Batch{}); err != nil || len(sw.Batches()) != 1 {
		t.Errorf("after an empty batch: %v, %d batches; want 1", err, len(sw.Batches()))
	}
	got, err := sw.TableFlows(ctx, 0, 0x10, 0xff)
	if err != nil || len(got) != 1 || got[0].Cookie != 0x10 {
		t.Errorf("TableFlows = %v, %v", got, err)
	}
	if got, _ := sw.Flows(ctx, 0x20, 0xff); len(got) != 0 {
		t.Errorf("Flows of another cookie = %v", got)
	}
}
