package test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
)

const (
	evpnLab = "../labs/evpn.yaml"
	macC    = "02:00:00:00:00:0c"
	ipC     = "192.168.10.3"
)

// upEVPN brings labs/evpn.yaml up (two vtepd hypervisors, an FRR VTEP and
// an FRR route reflector) and waits for every BGP session at the reflector.
func upEVPN(t *testing.T, edit func(*labs.File)) *labs.Running {
	t.Helper()
	labstest.RequireFRR(t)
	r := upLab(t, evpnLab, edit)
	if err := r.WaitBGPEstablished(ctxT(t, 60*time.Second), "rr"); err != nil {
		t.Fatal(err)
	}
	return r
}

// evpnMAC waits until hv's vtepd lists mac with source evpn behind vtep.
func waitEVPNMAC(t *testing.T, r *labs.Running, hv, mac, vtep string) api.MACEntry {
	t.Helper()
	var found api.MACEntry
	err := labs.WaitFor(ctxT(t, 30*time.Second), 100*time.Millisecond, func() (bool, error) {
		ms, err := apiClient(r, hv).MACs(context.Background(), 10)
		for _, m := range ms {
			if m.MAC == mac && m.Source == api.SourceEVPN && m.VTEP == vtep {
				found = m
				return true, nil
			}
		}
		return false, err
	})
	if err != nil {
		t.Fatalf("%s: no evpn entry of %s behind %s: %v", hv, mac, vtep, err)
	}
	return found
}

// waitFRRMAC waits until the FRR VTEP's zebra lists mac as remote behind vtep.
func waitFRRMAC(t *testing.T, r *labs.Running, node, mac, vtep string) labs.EVPNMAC {
	t.Helper()
	var m labs.EVPNMAC
	err := labs.WaitFor(ctxT(t, 30*time.Second), 100*time.Millisecond, func() (bool, error) {
		macs, err := r.EVPNMACs(context.Background(), node, 10)
		m = macs[mac]
		return m.Type == "remote" && m.RemoteVTEP.String() == vtep, err
	})
	if err != nil {
		t.Fatalf("%s: zebra has no remote %s behind %s (have %+v): %v", node, mac, vtep, m, err)
	}
	return m
}

// TestEVPNInteropWithFRR: vtepd's MACs reach FRR as type-2 routes and its
// kernel fdb (extern_learn), FRR's reach vtepd as evpn entries, VMs and the
// host behind the FRR VTEP ping each other, and known unicast then crosses
// the underlay without a single BUM frame.
func TestEVPNInteropWithFRR(t *testing.T) {
	r := upEVPN(t, nil)
	// Local MACs are learned from their first frames (and the ARPs
	// flood: nothing knows the IPs).
	mustPing(t, r, "a", ipC, 3)
	mustPing(t, r, "b", ipC, 3)
	mustPing(t, r, "a", ipB, 3)
	waitFRRMAC(t, r, "vtep3", macA, "10.0.0.1")
	waitFRRMAC(t, r, "vtep3", macB, "10.0.0.2")
	fdb := mustExec(t, r, "vtep3", "bridge", "fdb", "show")
	for mac, vtep := range map[string]string{macA: "10.0.0.1", macB: "10.0.0.2"} {
		if len(grep(strings.Split(fdb, "\n"), mac, "dst "+vtep+" ", "extern_learn")) != 1 {
			t.Errorf("vtep3's kernel fdb lacks %s dst %s extern_learn:\n%s", mac, vtep, fdb)
		}
	}
	for _, hv := range []string{"hv1", "hv2"} {
		waitEVPNMAC(t, r, hv, macC, "10.0.0.3")
	}
	waitEVPNMAC(t, r, "hv1", macB, "10.0.0.2")
	waitEVPNMAC(t, r, "hv2", macA, "10.0.0.1")

	// Every MAC known and ARP done: a's pings to c and b cross the
	// underlay as unicast VXLAN only.
	wire := capture(t, r, "ul", "hv1", "udp port 4789")
	mustPing(t, r, "a", ipC, 5)
	mustPing(t, r, "a", ipB, 5)
	lines := wire.Stop()
	var vx []labs.VXLANPacket
	for _, l := range lines {
		if p, ok := labs.ParseVXLANLine(l); ok {
			vx = append(vx, p)
		}
	}
	if len(vx) < 20 {
		t.Fatalf("captured %d VXLAN packets at hv1, want the 20 echoes:\n%s", len(vx), strings.Join(lines, "\n"))
	}
	for _, p := range vx {
		if isGroupMAC(p.InnerDst) || !strings.HasPrefix(p.OuterDst, "10.0.0.") {
			t.Errorf("BUM frame on the underlay after the first ARP: %s", p)
		}
	}
	for _, hv := range []string{"hv1", "hv2"} {
		if n := learnedRemoteCount(t, r, hv); n != 0 {
			t.Errorf("%s learned %d MACs from the tunnel in an EVPN network", hv, n)
		}
	}
	checkNoPacketIns(t, r)
	checkHealthy(t, r)
}

// learnedRemoteCount counts hv's MAC entries learned from the tunnel.
func learnedRemoteCount(t *testing.T, r *labs.Running, hv string) int {
	t.Helper()
	ms, err := apiClient(r, hv).MACs(ctxT(t, 10*time.Second), 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range ms {
		if m.Remote && m.Source == api.SourceLearned {
			n++
		}
	}
	return n
}

// isGroupMAC reports whether a printed MAC has the group bit (broadcast,
// multicast).
func isGroupMAC(mac string) bool {
	hw, err := net.ParseMAC(mac)
	return err != nil || hw[0]&1 == 1
}
