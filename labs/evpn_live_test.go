package labs_test

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
)

const evpnFRRLab = "testdata/evpn_frr.yaml"

// TestEVPNFRRVTEPs brings up two FRR VTEPs (vtep3 with host c, vtep4 with
// host d, VNI 10) and an FRR route reflector, and checks the EVPN control
// plane end to end: the sessions establish, each VTEP receives the other's
// type-3 route through the reflector, c pings d, and vtep3's zebra and
// kernel hold d's MAC behind 10.0.0.4 (the kernel entry extern_learn).
func TestEVPNFRRVTEPs(t *testing.T) {
	labstest.RequireFRR(t)
	r := labstest.UpLab(t, evpnFRRLab, "", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for _, n := range []string{"rr", "vtep3", "vtep4"} {
		if err := r.WaitBGPEstablished(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ node, other string }{{"vtep3", "10.0.0.4"}, {"vtep4", "10.0.0.3"}} {
		err := labs.WaitFor(ctx, 200*time.Millisecond, func() (bool, error) {
			routes, err := r.EVPNType3Routes(ctx, c.node)
			for _, rt := range routes {
				if rt.OriginIP == netip.MustParseAddr(c.other) && rt.PeerID == "10.0.0.254" && slices.Contains(rt.RTs, "RT:65000:10") {
					return true, nil
				}
			}
			return false, err
		})
		if err != nil {
			t.Fatalf("%s has no type-3 route of %s from the reflector with RT:65000:10: %v", c.node, c.other, err)
		}
	}
	err := labs.WaitFor(ctx, 100*time.Millisecond, func() (bool, error) {
		_, err := r.Exec(ctx, "c", "ping", "-c", "1", "-W", "1", "192.168.10.4")
		return err == nil, err
	})
	if err != nil {
		t.Fatalf("c cannot ping d across the FRR VTEPs: %v", err)
	}
	// d's MAC reaches vtep3 as a type-2 route once vtep4 has learned it.
	var macs map[string]labs.EVPNMAC
	err = labs.WaitFor(ctx, 100*time.Millisecond, func() (bool, error) {
		macs, err = r.EVPNMACs(ctx, "vtep3", 10)
		return macs["02:00:00:00:00:0d"].Type != "", err
	})
	if err != nil {
		t.Fatalf("vtep3's zebra never learned d's MAC: %v (macs %+v)", err, macs)
	}
	if m := macs["02:00:00:00:00:0d"]; m.Type != "remote" || m.RemoteVTEP != netip.MustParseAddr("10.0.0.4") {
		t.Errorf("vtep3's zebra has d's MAC as %+v, want remote behind 10.0.0.4 (all: %+v)", m, macs)
	}
	if m := macs["02:00:00:00:00:0c"]; m.Type != "local" || m.Intf != "c" {
		t.Errorf("vtep3's zebra has c's MAC as %+v, want local on port c", m)
	}
	out, err := r.Exec(ctx, "vtep3", "bridge", "fdb", "show", "dev", "vx10")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range labs.ParseFDB(out) {
		if e.MAC.String() == "02:00:00:00:00:0d" {
			found = true
			if e.Dst != netip.MustParseAddr("10.0.0.4") || !e.ExternLearn {
				t.Errorf("vtep3's kernel has d's MAC as %+v, want dst 10.0.0.4 extern_learn", e)
			}
		}
	}
	if !found {
		t.Errorf("vtep3's vx10 has no entry for d's MAC:\n%s", out)
	}
}

// TestEVPNFRRStatusAndDown checks that lab status sees the FRR nodes
// whole, then reports a BGP session taken down and a dead bgpd as
// problems; and that Down stops FRR and removes the FRR directories the
// lab made, and no other.
func TestEVPNFRRStatusAndDown(t *testing.T) {
	labstest.RequireFRR(t)
	f, err := labs.LoadFile(evpnFRRLab)
	if err != nil {
		t.Fatal(err)
	}
	f.Prefix = labstest.Prefix(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := labs.Up(ctx, f, "", func(s string) { t.Log(s) })
	if err != nil {
		t.Fatal(err)
	}
	// Not this lab's: Down must leave it.
	decoy := filepath.Join(labs.FRRConfDir, f.Prefix+"-decoy")
	if err := os.Mkdir(decoy, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(decoy)
	defer func() { _, _ = labs.Down(context.Background(), f.Prefix) }()
	if err := labs.SaveState(f, evpnFRRLab, "vtepd"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"rr", "vtep3", "vtep4"} {
		if err := r.WaitBGPEstablished(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	s, err := labs.Status(ctx, f.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Err(); err != nil {
		t.Fatalf("the lab is up and whole, status says: %v", err)
	}
	if len(s.Routers) != 1 || len(s.Routers[0].FRR.Sessions) != 2 || len(s.Physical) != 2 || s.Physical[0].FRR == nil {
		t.Fatalf("status lacks the FRR nodes: %+v %+v", s.Routers, s.Physical)
	}
	if _, err := r.Vtysh(ctx, "rr", "configure terminal", "router bgp 65000", "neighbor 10.0.0.4 shutdown"); err != nil {
		t.Fatal(err)
	}
	pidfile := filepath.Join(r.NodeDir("vtep3"), "bgpd.pid")
	pid, ok := labs.PidAlive(pidfile)
	if !ok {
		t.Fatalf("bgpd of vtep3 is not running (%s)", pidfile)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := labs.WaitFor(ctx, 10*time.Millisecond, func() (bool, error) { return !labs.ProcessAlive(pid), nil }); err != nil {
		t.Fatal(err)
	}
	s, err = labs.Status(ctx, f.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	problems := strings.Join(s.Problems, "\n")
	for _, want := range []string{"bgp session of rr with 10.0.0.4 (AS 65000) is Idle (Admin)", "bgpd of vtep3 pid", "bgp sessions of vtep3"} {
		if !strings.Contains(problems, want) {
			t.Errorf("status problems lack %q:\n%s", want, problems)
		}
	}
	if _, err := labs.Down(ctx, f.Prefix); err != nil {
		t.Fatal(err)
	}
	if left := labstest.Leftovers([]string{f.Prefix}); len(left) != 1 || !strings.HasSuffix(left[0], decoy) {
		t.Errorf("after Down: %v, want only the decoy %s", left, decoy)
	}
}
