package agent

import (
	"net"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/agent/agenttest"
	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/pipeline"
)

// withMTU returns a VM port of the rig with an interface MTU.
func withMTU(name string, ofport, tag, mtu int, trunks ...int) func(*rig) {
	return func(r *rig) {
		p := agenttest.VMPort(name, ofport, tag, trunks...)
		p.MTU = mtu
		r.ports.SetPort("br-int", p)
	}
}

// setUnderlayMTU gives the rig's uplink and underlay bridge port MTUs.
func setUnderlayMTU(r *rig, uplink, bridge int) {
	up := agenttest.VMPort("eth0", 1, 0)
	up.MTU = uplink
	br := agenttest.InternalPort("br-phy", 65534, net.HardwareAddr{2, 0xaa, 0, 0, 0, 1})
	br.MTU = bridge
	r.ports.SetPort("br-phy", up)
	r.ports.SetPort("br-phy", br)
}

// mtuWarnings counts the MTU warnings logged.
func mtuWarnings(r *rig) (n int) {
	for _, e := range r.hook.AllEntries() {
		if e.Level == logrus.WarnLevel && e.Data["underlay_mtu"] != nil {
			n++
		}
	}
	return n
}

func portStatus(t *testing.T, s api.Status, name string) api.PortStatus {
	t.Helper()
	for _, p := range s.Ports {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no port %s in status %+v", name, s.Ports)
	return api.PortStatus{}
}

func TestMTUGuard(t *testing.T) {
	r := newRig(t, rigConfig)
	setUnderlayMTU(r, 1500, 1500)
	withMTU("vm1", ofVM1, 1, 1500)(r)
	withMTU("vm2", ofVM2, 0, 1450, 1, 2)(r)
	if err := r.reconcile(t); err != nil {
		t.Fatal(err)
	}
	s := r.a.Status()
	if s.UnderlayMTU != 1500 {
		t.Errorf("underlay MTU %d, want 1500", s.UnderlayMTU)
	}
	if p := portStatus(t, s, "vm1"); p.MTU != 1500 || !p.Oversize {
		t.Errorf("vm1 %+v, want MTU 1500 flagged oversize", p)
	}
	if p := portStatus(t, s, "vm2"); p.MTU != 1450 || p.Oversize {
		t.Errorf("vm2 %+v, want MTU 1450 not flagged", p)
	}
	if n := metricValue(t, r, "vtepd_oversize_ports"); n != "1" {
		t.Errorf("oversize ports gauge %s, want 1", n)
	}
	if n := mtuWarnings(r); n != 1 {
		t.Errorf("%d MTU warnings, want 1 (vm1)", n)
	}

	// Once per port and change: a second reconcile logs nothing more.
	if err := r.reconcile(t); err != nil {
		t.Fatal(err)
	}
	if n := mtuWarnings(r); n != 1 {
		t.Errorf("%d MTU warnings after an unchanged reconcile, want still 1", n)
	}

	// A smaller uplink MTU is the underlay's: both ports are flagged, and
	// vm1 is warned about again since the underlay changed.
	setUnderlayMTU(r, 1400, 1500)
	if err := r.reconcile(t); err != nil {
		t.Fatal(err)
	}
	if s := r.a.Status(); s.UnderlayMTU != 1400 || !portStatus(t, s, "vm2").Oversize {
		t.Errorf("underlay MTU %d, vm2 %+v; want 1400 and vm2 flagged", s.UnderlayMTU, portStatus(t, s, "vm2"))
	}
	if n := mtuWarnings(r); n != 3 {
		t.Errorf("%d MTU warnings, want 3 (vm1 again, vm2)", n)
	}

	// A jumbo underlay carries both: nothing flagged.
	setUnderlayMTU(r, 9000, 9000)
	if err := r.reconcile(t); err != nil {
		t.Fatal(err)
	}
	if n := metricValue(t, r, "vtepd_oversize_ports"); n != "0" {
		t.Errorf("oversize ports gauge %s, want 0", n)
	}
	for _, p := range r.a.Status().Ports {
		if p.Oversize {
			t.Errorf("port %+v flagged on a 9000 underlay", p)
		}
	}
}

func TestMTUGuardUnknown(t *testing.T) {
	// The rig's ports report no MTU (as an OVS that has none): no flag.
	r := newRig(t, rigConfig)
	if err := r.reconcile(t); err != nil {
		t.Fatal(err)
	}
	s := r.a.Status()
	for _, p := range s.Ports {
		if p.Oversize || p.MTU != 0 {
			t.Errorf("port %+v, want no MTU and no flag", p)
		}
	}
	if n := mtuWarnings(r); n != 0 {
		t.Errorf("%d MTU warnings, want none", n)
	}
}

func TestMinKnownMTU(t *testing.T) {
	for _, tt := range []struct{ a, b, want int }{{0, 0, 0}, {0, 1500, 1500}, {1500, 0, 1500}, {1400, 1500, 1400}, {9000, 1500, 1500}, {-1, 0, 0}} {
		if got := minKnownMTU(tt.a, tt.b); got != tt.want {
			t.Errorf("minKnownMTU(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestOversizeDropsMetric: with the underlay's MTU known, the overlay
// bridge gets the oversize meter, and the oversize drop reason reports its
// packets, not the drop flow's n_packets (which count every frame).
func TestOversizeDropsMetric(t *testing.T) {
	r := newRig(t, rigConfig)
	setUnderlayMTU(r, 1500, 1500)
	if err := r.reconcile(t); err != nil {
		t.Fatal(err)
	}
	r.over.SetMeterPackets(pipeline.OversizeMeterID, 7)
	if n := metricValue(t, r, `vtepd_dropped_packets_total{reason="oversize"}`); n != "7" {
		t.Errorf("oversize drops %s, want 7 (the meter's packets)", n)
	}
}
