package agent

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/vtep/vtep/agent/agenttest"
	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/pipeline"
	"github.com/vtep/vtep/pipeline/pipelinetest"
)

// TestReconcileConverges: a first reconcile programs both bridges, the
// group routes and memberships, and the result forwards frames; a second
// one changes nothing and sends nothing.
func TestReconcileConverges(t *testing.T) {
	tests := []struct {
		name       string
		config     string
		wantRoutes []string
		wantGroups []string
		wantTunDst string // of a broadcast in VNI 10 from vm2
	}{
		{"multicast", rigConfig,
			[]string{"239.1.1.1/32 dev br-phy GW 10.0.0.254", "239.1.1.2/32 dev br-phy GW 10.0.0.253"},
			[]string{"239.1.1.1", "239.1.1.2"}, "239.1.1.1"},
		{"replication", replicationConfig, nil, nil, "10.0.0.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, tt.config)
			r.mustConverge(t)
			select {
			case <-r.a.Ready():
			default:
				t.Fatal("Ready not closed after a successful reconcile")
			}
			stats, st, res := r.a.Snapshot()
			if len(st.Ports) != 2 || st.TunnelPort != ofTunnel || st.Underlay.UplinkPort != 1 {
				t.Errorf("state read from OVSDB: ports %+v, tunnel %d, uplink %d; want vm1 and vm2, 2, 1", st.Ports, st.TunnelPort, st.Underlay.UplinkPort)
			}
			ctx := context.Background()
			over, _ := r.over.Flows(ctx, uint64(pipeline.ProgrammedValue), uint64(pipeline.ProgrammedMask))
			under, _ := r.under.Flows(ctx, 0, 0)
			groups, _ := r.over.Groups(ctx)
			if len(over) != len(res.Overlay) || len(under) != len(res.Underlay) || len(groups) != len(res.Groups) {
				t.Errorf("installed %d/%d/%d overlay flows/underlay flows/groups, want %d/%d/%d",
					len(over), len(under), len(groups), len(res.Overlay), len(res.Underlay), len(res.Groups))
			}
			if stats.Bundles != 2 || stats.Reconciles != 1 || stats.Errors != 0 {
				t.Errorf("stats: %d bundles, %d reconciles, %d errors; want 2, 1, 0", stats.Bundles, stats.Reconciles, stats.Errors)
			}
			if got := r.ovs.UserRoutes(); !slices.Equal(got, tt.wantRoutes) {
				t.Errorf("routes %q, want %q", got, tt.wantRoutes)
			}
			if got := ipStrings(r.igmp.Groups()); !slices.Equal(got, tt.wantGroups) {
				t.Errorf("groups held %q, want %q", got, tt.wantGroups)
			}
			checkFlood(t, r.over, tt.wantTunDst)
			if h := r.a.Health(); !h.Healthy {
				t.Errorf("unhealthy after converging: %+v", h.Checks)
			}

			adds := r.ovs.Count("ovs/route/add")
			n, err := r.a.Reconcile(ctx)
			if err != nil || n != 0 {
				t.Errorf("second reconcile: %d changes, %v; want 0, nil", n, err)
			}
			if b1, b2 := len(r.over.Batches()), len(r.under.Batches()); b1 != 1 || b2 != 1 {
				t.Errorf("batches after the second reconcile: %d overlay, %d underlay; want 1 each", b1, b2)
			}
			if got := r.ovs.Count("ovs/route/add"); got != adds {
				t.Errorf("second reconcile added routes (%d adds, %d before)", got, adds)
			}
		})
	}
}

// checkFlood runs a broadcast of VNI 10 from vm2 (tagged VLAN 1) through the
// overlay bridge: it must reach vm1 and the tunnel towards tunDst.
func checkFlood(t *testing.T, sw *agenttest.Switch, tunDst string) {
	t.Helper()
	tr, err := sw.Run(pipelinetest.Packet{InPort: ofVM2, VLAN: 1, EthSrc: net.HardwareAddr{2, 0, 0, 0, 0, 0xb},
		EthDst: net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, EthType: 0x0806, IPDst: net.IPv4(192, 168, 10, 1)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range tr.Outputs {
		s := o.String()
		if o.Port == ofTunnel {
			s = "tunnel to " + o.TunDst.String()
		}
		got = append(got, s)
	}
	slices.Sort(got)
	want := []string{"port 1", "tunnel to " + tunDst}
	if !slices.Equal(got, want) {
		t.Errorf("broadcast from vm2 in VLAN 1 went to %q, want %q", got, want)
	}
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, 0, len(ips))
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	slices.Sort(out)
	return out
}

// TestReconcileRetriesAfterError: a reconcile that fails is counted,
// fails the programmed check, keeps Ready open and asks for a retry; the
// retry that succeeds makes vtepd ready and healthy.
func TestReconcileRetriesAfterError(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		breakIt func(r *rig)
		fixIt   func(r *rig)
		wantErr string
	}{
		{"OVSDB unreadable", func(r *rig) { r.ports.Fail(boom) }, func(r *rig) { r.ports.Fail(nil) }, "list ports of bridge"},
		{"overlay bundle refused", func(r *rig) { r.over.Fail(agenttest.OpApply, boom) }, func(r *rig) { r.over.Fail(agenttest.OpApply, nil) }, "overlay bridge br-int"},
		{"overlay groups unreadable", func(r *rig) { r.over.Fail(agenttest.OpGroups, boom) }, func(r *rig) { r.over.Fail(agenttest.OpGroups, nil) }, "groups"},
		{"underlay flows unreadable", func(r *rig) { r.under.Fail(agenttest.OpFlows, boom) }, func(r *rig) { r.under.Fail(agenttest.OpFlows, nil) }, "underlay bridge br-phy"},
		{"routes unreadable", func(r *rig) { r.ovs.Fail("ovs/route/show", boom) }, func(r *rig) { r.ovs.Fail("ovs/route/show", nil) }, "read OVS's tunnel routes"},
		{"membership refused", func(r *rig) { r.igmp.Fail(boom) }, func(r *rig) { r.igmp.Fail(nil) }, "membership holder"},
		{"tunnel port without ofport", func(r *rig) {
			r.ports.SetPort("br-int", agenttest.VMPort(TunnelPortName, -1, 0))
		}, func(r *rig) {
			r.ports.SetPort("br-int", agenttest.VMPort(TunnelPortName, ofTunnel, 0))
		}, "has no OpenFlow port yet"},
		{"uplink missing", func(r *rig) { r.ports.DeletePort("br-phy", "eth0") }, func(r *rig) {
			r.ports.SetPort("br-phy", agenttest.VMPort("eth0", 1, 0))
		}, `underlay.uplink "eth0" is not a port`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, rigConfig)
			tt.breakIt(r)
			err := r.reconcile(t)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to say %q", err, tt.wantErr)
			}
			if broken := strings.Contains(tt.name, "unreadable") || strings.Contains(tt.name, "refused"); broken && !errors.Is(err, boom) {
				t.Errorf("err = %v does not wrap the cause", err)
			}
			stats, _, _ := r.a.Snapshot()
			if stats.Errors != 1 || !strings.Contains(stats.LastError, tt.wantErr) {
				t.Errorf("stats: %d errors, last %q; want 1 naming %q", stats.Errors, stats.LastError, tt.wantErr)
			}
			if c := r.check(t, api.CheckProgrammed); c.OK || !strings.Contains(c.Detail, "reconcile failing") {
				t.Errorf("programmed check = %+v, want failing", c)
			}
			if r.a.isReady() {
				t.Errorf("ready after a failed first reconcile")
			}
			if reason := r.waitKick(t); reason != "retry after error" {
				t.Errorf("kick %q, want a retry", reason)
			}
			tt.fixIt(r)
			r.mustConverge(t)
			if !r.a.isReady() || !r.check(t, api.CheckProgrammed).OK {
				t.Errorf("not ready and programmed after the retry succeeded: %+v", r.a.Health())
			}
		})
	}
}

// TestNotConnected: a bridge without a session is waited for, not counted
// as an error, until vtepd has been ready; the health checks name it.
func TestNotConnected(t *testing.T) {
	tests := []struct {
		name            string
		overlay, under  bool
		wantCheck       string
		wantDetail      string
		wantOverlayApps int // overlay batches applied meanwhile
	}{
		{"overlay missing", false, true, api.CheckOverlayBridge, "br-int NOT CONNECTED: ovs-vswitchd has not connected to unix:/run/openvswitch/vtepd.sock: state BACKOFF: Connection refused", 0},
		{"underlay missing", true, false, api.CheckUnderlayBridge, "br-phy NOT CONNECTED: no OpenFlow session to its management socket /run/openvswitch/br-phy.mgmt", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, rigConfig)
			r.switches.connect(tt.overlay, tt.under)
			err := r.reconcile(t)
			if !errors.Is(err, ErrNotConnected) {
				t.Fatalf("err = %v, want ErrNotConnected", err)
			}
			stats, _, _ := r.a.Snapshot()
			if stats.Errors != 0 || stats.Reconciles != 1 {
				t.Errorf("waiting counted as an error: %+v", stats)
			}
			if c := r.check(t, tt.wantCheck); c.OK || c.Detail != tt.wantDetail {
				t.Errorf("%s check = %+v, want failing with %q", tt.wantCheck, c, tt.wantDetail)
			}
			if got := len(r.over.Batches()); got != tt.wantOverlayApps {
				t.Errorf("%d overlay batches, want %d", got, tt.wantOverlayApps)
			}
			if st := r.a.Status(); st.OverlayConnected != tt.overlay || st.UnderlayConnected != tt.under || st.Ready {
				t.Errorf("status: overlay %v, underlay %v, ready %v", st.OverlayConnected, st.UnderlayConnected, st.Ready)
			}
			r.drainKick()
			r.switches.connect(true, true)
			r.mustConverge(t)
			// Once ready, a lost bridge is an error.
			r.switches.connect(tt.overlay, tt.under)
			if err := r.reconcile(t); !errors.Is(err, ErrNotConnected) {
				t.Fatalf("after ready: err = %v, want ErrNotConnected", err)
			}
			if stats, _, _ := r.a.Snapshot(); stats.Errors != 1 {
				t.Errorf("after ready: %d errors, want 1", stats.Errors)
			}
			if r.a.Health().Healthy {
				t.Errorf("healthy with a bridge disconnected")
			}
		})
	}
}
