package test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/underlay"
)

// check returns the named health check of a status.
func check(s api.Status, name string) api.Check {
	for _, c := range s.Health.Checks {
		if c.Name == name {
			return c
		}
	}
	return api.Check{Name: name, Detail: "missing from status"}
}

// listening reports whether hv's OVS decapsulates VXLAN for its VTEP IP.
func listening(t testing.TB, r *labs.Running, hv, ip string) bool {
	t.Helper()
	out, err := r.OVS[hv].Appctl(ctxT(t, 10*time.Second), "tnl/ports/show", "-v")
	if err != nil {
		t.Fatal(err)
	}
	return underlay.ListensOn(out, net.ParseIP(ip), 4789)
}

// TestReloadKeepsTunnelReceive: adding a network, moving it to another
// group and removing it again on hv3 (each a SIGHUP) deletes tunnel routes
// there, which used to leave OVS deaf on hv3's address for good. VNI 10
// must keep forwarding both ways without losing a packet, and tunnel
// receive must stay up without needing a repair.
func TestReloadKeepsTunnelReceive(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	// learn both ways first, so the pings below are known unicast
	_, _ = r.Exec(ctxT(t, 20*time.Second), "a", "ping", "-c", "2", "-W", "1", "192.168.10.3")
	if err := ping(t, r, "a", "192.168.10.3", 2); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(r.NodeDir("hv3"), "vtepd.yaml")
	orig, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 1)
	go func() {
		out, _ := r.Exec(ctxT(t, time.Minute), "a", "ping", "-c", "50", "-i", "0.1", "-W", "1", "192.168.10.3")
		done <- out
	}()
	reloadTo := func(cfg string, applied uint64) {
		t.Helper()
		sighup(t, r, "hv3", cfg)
		err := labs.WaitFor(ctxT(t, 10*time.Second), 20*time.Millisecond, func() (bool, error) {
			return status(t, r, "hv3").Stats.ConfigReloads == applied, nil
		})
		if err != nil {
			t.Fatalf("reload %d not applied: %v (status %+v)", applied, err, status(t, r, "hv3").Stats)
		}
	}
	vni20 := "  - vni: 20\n    vlan: 2\n    group: "
	reloadTo(string(orig)+vni20+"239.1.1.2\n", 1)
	reloadTo(string(orig)+vni20+"239.1.1.3\n", 2) // the group changes: its old route goes
	reloadTo(string(orig), 3)                     // the network goes, and its route
	select {
	case out := <-done:
		t.Fatalf("the ping ended before the reloads did, so it proves nothing:\n%s", out)
	default:
	}
	if !listening(t, r, "hv3", "10.0.0.3") {
		t.Errorf("hv3's OVS no longer listens for VXLAN on 10.0.0.3 after the reloads")
	}
	out := <-done
	if !strings.Contains(out, " 0% packet loss") {
		t.Errorf("VNI 10 lost packets while hv3 reloaded:\n%s", out)
	}
	s := status(t, r, "hv3")
	if c := check(s, api.CheckTunnelReceive); !c.OK || s.TunnelReceiveRepairs != 0 {
		t.Errorf("tunnel receive %+v with %d repairs; want ok without repairs", c, s.TunnelReceiveRepairs)
	}
	if routes, _ := r.OVS["hv3"].Appctl(ctxT(t, 10*time.Second), "ovs/route/show"); strings.Contains(routes, "239.1.1.2/") ||
		strings.Contains(routes, "239.1.1.3/") || !strings.Contains(routes, "239.1.1.1/32") {
		t.Errorf("hv3's group routes after the reloads, want only 239.1.1.1's:\n%s", routes)
	}
	if !s.Health.Healthy {
		t.Errorf("hv3 unhealthy after the reloads: %+v", s.Health)
	}
}

// TestTunnelReceiveRepaired: a route deleted by hand makes OVS deaf on the
// VTEP address. vtepd notices, repairs it and counts the repair; a VTEP
// address that is gone cannot be repaired, and vtepd reports it unhealthy
// (status and /readyz) until the address is back.
func TestTunnelReceiveRepaired(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	o := r.OVS["hv3"]
	appctl := func(args ...string) {
		t.Helper()
		if out, err := o.Appctl(ctxT(t, 10*time.Second), args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	if !status(t, r, "hv3").Health.Healthy {
		t.Fatalf("hv3 unhealthy before the test: %+v", status(t, r, "hv3").Health)
	}
	// Deleting a route makes OVS deaf (underlay's TestGroupRouteAndMembership
	// proves it on a bare OVS); vtepd may repair it before this test can
	// look, so the repair counter is what shows it happened.
	appctl("ovs/route/add", "10.0.0.77/32", "br-phy")
	appctl("ovs/route/del", "10.0.0.77/32")
	broke := time.Now()
	err := labs.WaitFor(ctxT(t, 15*time.Second), 50*time.Millisecond, func() (bool, error) {
		s := status(t, r, "hv3")
		return s.TunnelReceiveRepairs == 1 && check(s, api.CheckTunnelReceive).OK, nil
	})
	if err != nil {
		t.Fatalf("vtepd did not repair tunnel receive: %v (status %+v)", err, status(t, r, "hv3").Health)
	}
	t.Logf("tunnel receive repaired %s after the break", time.Since(broke).Round(time.Millisecond))
	if !listening(t, r, "hv3", "10.0.0.3") {
		t.Errorf("status says repaired, OVS does not listen")
	}
	if err := ping(t, r, "a", "192.168.10.3", 3); err != nil {
		t.Error(err)
	}
	logs, _ := os.ReadFile(r.Vtepds["hv3"].LogFile)
	if !strings.Contains(string(logs), "tunnel receive repaired") {
		t.Errorf("vtepd's log does not mention the repair")
	}

	// The VTEP address itself gone: nothing to repair, vtepd is unhealthy.
	ns := r.Lab.Netns("hv3")
	if _, err := labs.Exec(ctxT(t, 10*time.Second), ns, "ip", "addr", "del", "10.0.0.3/24", "dev", "br-phy"); err != nil {
		t.Fatal(err)
	}
	err = labs.WaitFor(ctxT(t, 15*time.Second), 50*time.Millisecond, func() (bool, error) {
		s := status(t, r, "hv3")
		return !s.Health.Healthy && !check(s, api.CheckTunnelReceive).OK, nil
	})
	if err != nil {
		t.Fatalf("vtepd still healthy without its VTEP address: %v", err)
	}
	var h api.Health
	if err := apiClient(r, "hv3").Get(ctxT(t, 10*time.Second), "/readyz", &h); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("/readyz while tunnel receive is broken: %v, want 503", err)
	}
	if _, err := labs.Exec(ctxT(t, 10*time.Second), ns, "ip", "addr", "add", "10.0.0.3/24", "dev", "br-phy"); err != nil {
		t.Fatal(err)
	}
	err = labs.WaitFor(ctxT(t, 30*time.Second), 100*time.Millisecond, func() (bool, error) {
		return status(t, r, "hv3").Health.Healthy, nil
	})
	if err != nil {
		t.Fatalf("vtepd did not become healthy once its address was back: %v (%+v)", err, status(t, r, "hv3").Health)
	}
	if err := apiClient(r, "hv3").Get(ctxT(t, 10*time.Second), "/readyz", &h); err != nil || !h.Healthy {
		t.Errorf("/readyz when healthy: %v %+v", err, h)
	}
}
