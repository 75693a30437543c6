package ofapp_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
	"github.com/vtep/vtep/ofapp"
)

// lab is one OVS instance with bridge br0 pointed at a running controller.
type lab struct {
	ovs  *labs.OVS
	ctl  *ofapp.Controller
	sock string
	dpid uint64
}

const testBridge = "br0"

// newLab starts OVS, a controller listening on a unix socket and a bridge
// br0 (userspace datapath, OpenFlow 1.3 only, secure fail mode) whose
// controller is that socket, and waits for the switch to connect.
func newLab(t testing.TB, cfg ofapp.Config) (*lab, *ofapp.Switch) {
	t.Helper()
	o := labstest.NewOVS(t)
	// ovs-vswitchd connects only to unix sockets inside its own run dir.
	sock := filepath.Join(o.Dir, "vtep-ofapp.sock")
	if cfg.Logger == nil {
		l := logrus.New()
		l.SetLevel(logrus.WarnLevel)
		cfg.Logger = l
	}
	ctl := ofapp.NewController(cfg)
	ln, err := ofapp.Listen("unix:" + sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- ctl.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		ctl.Close()
	})
	const dpid = 0x00000000000000a1
	l := &lab{ovs: o, ctl: ctl, sock: sock, dpid: dpid}
	l.vsctl(t, "add-br", testBridge, "--", "set", "bridge", testBridge, "datapath_type=netdev", "fail_mode=secure",
		"protocols=OpenFlow13", fmt.Sprintf("other_config:datapath-id=%016x", dpid), "--", "set-controller", testBridge, "unix:"+sock)
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(o.Dir, "ovs-vswitchd.log"))
			t.Logf("ovs-vswitchd.log:\n%s", b)
		}
	})
	return l, l.waitSwitch(t)
}

func (l *lab) waitSwitch(t testing.TB) *ofapp.Switch {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sw, err := l.ctl.WaitSwitch(ctx, l.dpid)
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

func (l *lab) vsctl(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := l.ovs.Vsctl(ctx, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (l *lab) ofctl(t testing.TB, cmd string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := l.ovs.Ofctl(ctx, cmd, testBridge, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestIntegrationHandshake(t *testing.T) {
	l, sw := newLab(t, ofapp.Config{})
	if got := sw.DPID(); got != l.dpid {
		t.Errorf("DPID() = %016x, want %016x", got, l.dpid)
	}
	if sw.Features().NTables == 0 {
		t.Errorf("Features().NTables = 0, want the switch's table count")
	}
	if _, err := sw.Echo(ctxT(t)); err != nil {
		t.Errorf("Echo: %v", err)
	}
	// OVS reports the controller connection as up (it updates the database lazily).
	poll(t, 10*time.Second, "controller is_connected", func() (bool, string) {
		got := l.vsctl(t, "--columns=is_connected", "list", "controller")
		return strings.Contains(got, "true"), got
	})
}

func TestIntegrationActiveConnect(t *testing.T) {
	l, _ := newLab(t, ofapp.Config{})
	sw, err := l.ctl.Connect(ctxT(t), "unix:"+l.ovs.Mgmt(testBridge))
	if err != nil {
		t.Fatal(err)
	}
	if sw.DPID() != l.dpid {
		t.Errorf("DPID() = %016x, want %016x", sw.DPID(), l.dpid)
	}
	if err := sw.Barrier(ctxT(t)); err != nil {
		t.Errorf("Barrier: %v", err)
	}
	sw.Close()
}

func TestIntegrationInvalidFlowLeavesSwitchUnchanged(t *testing.T) {
	l, sw := newLab(t, ofapp.Config{})
	ctx := ctxT(t)
	before := []ofapp.Flow{
		{Table: 0, Priority: 10, Cookie: 1, Match: ofapp.Match{ofapp.MatchInPort(1)}, Actions: []ofapp.Action{ofapp.Output{Port: 2}}},
		{Table: 0, Priority: 0, Cookie: 1},
	}
	if err := sw.AddFlows(ctx, before...); err != nil {
		t.Fatal(err)
	}
	want := l.ofctl(t, "dump-flows", "--no-stats")

	bad := ofapp.Flow{Table: 0, Priority: 30, Cookie: 2, Match: ofapp.Match{ofapp.MatchInPort(3)}, Actions: []ofapp.Action{ofapp.Group{ID: 4242}}}
	var b ofapp.Batch
	b.DeleteByCookie(1, ^uint64(0))
	b.AddFlows(ofapp.Flow{Table: 0, Priority: 20, Cookie: 2, Match: ofapp.Match{ofapp.MatchInPort(2)}, Actions: []ofapp.Action{ofapp.Output{Port: 1}}})
	b.AddFlows(bad)
	b.AddFlows(ofapp.Flow{Table: 0, Priority: 40, Cookie: 2, Match: ofapp.Match{ofapp.MatchInPort(4)}})
	err := sw.Apply(ctx, &b)
	if err == nil {
		t.Fatal("Apply of a batch with output to a missing group succeeded")
	}
	var oe *ofapp.OFError
	if !errors.As(err, &oe) || oe.CodeName() != "OFPBAC_BAD_OUT_GROUP" {
		t.Errorf("Apply error %v: want an OFError OFPBAC_BAD_OUT_GROUP", err)
	}
	if !strings.Contains(err.Error(), bad.String()) {
		t.Errorf("Apply error %q does not name the flow %q", err, bad.String())
	}
	if got := l.ofctl(t, "dump-flows", "--no-stats"); got != want {
		t.Errorf("flows changed by a rejected batch:\n got %s\nwant %s", got, want)
	}
	// The session still works.
	if err := sw.Barrier(ctx); err != nil {
		t.Errorf("Barrier after rejected batch: %v", err)
	}
}

func TestIntegrationGroupsInBundle(t *testing.T) {
	l, sw := newLab(t, ofapp.Config{})
	ctx := ctxT(t)
	g := ofapp.GroupEntry{ID: 7, Type: ofapp.GroupAll, Buckets: []ofapp.Bucket{
		{Actions: []ofapp.Action{ofapp.SetTunnelDst{IP: net.IPv4(10, 0, 0, 2)}, ofapp.Output{Port: 1}}},
		{Actions: []ofapp.Action{ofapp.SetTunnelDst{IP: net.IPv4(10, 0, 0, 3)}, ofapp.Output{Port: 1}}},
	}}
	f := ofapp.Flow{Table: 0, Priority: 10, Cookie: 5, Match: ofapp.Match{ofapp.MatchInPort(2)}, Actions: []ofapp.Action{ofapp.Group{ID: 7}}}
	var b ofapp.Batch
	b.AddFlows(f)
	b.AddGroups(g)
	if err := sw.Apply(ctx, &b); err != nil {
		t.Fatalf("Apply group and the flow using it: %v", err)
	}
	groups, err := sw.Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].GroupEntry.String() != g.String() {
		t.Errorf("Groups() = %v, want [%s]", groups, g)
	}
	if got := l.ofctl(t, "dump-groups"); !strings.Contains(got, "group_id=7,type=all") {
		t.Errorf("dump-groups = %q, want group 7", got)
	}
	// Deleting the group in the same bundle as the flow using it.
	b.Reset()
	b.DeleteFlows(f)
	b.DeleteGroups(7)
	if err := sw.Apply(ctx, &b); err != nil {
		t.Fatalf("Apply delete: %v", err)
	}
	if groups, err = sw.Groups(ctx); err != nil || len(groups) != 0 {
		t.Errorf("Groups() after delete = %v, %v; want none", groups, err)
	}
}

// poll calls cond until it holds or the timeout passes, then fails the test
// with the last state cond described.
func poll(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %q after %s", what, state, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
