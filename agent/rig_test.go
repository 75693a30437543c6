package agent

import (
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/vtep/vtep/agent/agenttest"
	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/ovsdb"
)

// A rig is an agent wired to the fakes of package agenttest instead of
// OVS: what Run would connect, without root. Its hypervisor: overlay
// bridge br-int with the tunnel port (2), vm1 (1, access port of VLAN 1)
// and vm2 (3, trunk of VLANs 1 and 2); underlay bridge br-phy with uplink
// eth0 (1) and the VTEP address 10.0.0.1/24.

const (
	overlayDPID  = 0x1
	underlayDPID = 0x2
	ofTunnel     = 2
	ofVM1, ofVM2 = 1, 3
)

// errBoom is the error the tests make fakes fail with.
var errBoom = errors.New("boom")

// rigConfig is the rig's configuration in multicast mode: VNI 10 on VLAN 1
// with group 239.1.1.1, VNI 20 on VLAN 2 with group 239.1.1.2.
const rigConfig = `
bridge: br-int
ovsdb: unix:/run/openvswitch/db.sock
openflow: {listen: "unix:/run/openvswitch/vtepd.sock"}
underlay: {bridge: br-phy, uplink: eth0, local_ip: 10.0.0.1/24}
api: {listen: ""}
networks:
  - {vni: 10, vlan: 1, group: 239.1.1.1}
  - {vni: 20, vlan: 2, group: 239.1.1.2}
`

// replicationConfig is rigConfig with head-end replication to 10.0.0.2.
var replicationConfig = strings.Replace(rigConfig, "api:", "flood: {mode: replication, peers: [10.0.0.2]}\napi:", 1)

type rig struct {
	a           *Agent
	over, under *agenttest.Switch
	switches    *fakeSwitches
	ports       *agenttest.Ports
	ovs         *agenttest.Unixctl
	igmp        *agenttest.Membership
	hook        *logtest.Hook

	mu    sync.Mutex
	inUse map[string]net.HardwareAddr // placeholder gateways a host answers for
}

// newRig returns an agent of configuration yaml wired to fakes, with both
// bridges connected.
func newRig(t *testing.T, yaml string) *rig {
	t.Helper()
	logger, hook := logtest.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	r := &rig{
		over: agenttest.NewSwitch(overlayDPID), under: agenttest.NewSwitch(underlayDPID),
		ports: agenttest.NewPorts(), ovs: agenttest.NewUnixctl(), igmp: &agenttest.Membership{},
		hook: hook, inUse: map[string]net.HardwareAddr{},
	}
	r.switches = &fakeSwitches{over: r.over, under: r.under, overUp: true, underUp: true}
	r.ports.SetBridge("br-int", overlayDPID,
		ovsdb.PortInfo{Name: TunnelPortName, Ofport: ofTunnel, Type: "vxlan"},
		agenttest.InternalPort("br-int", 65534, net.HardwareAddr{2, 0xbb, 0, 0, 0, 1}),
		agenttest.VMPort("vm1", ofVM1, 1),
		agenttest.VMPort("vm2", ofVM2, 0, 1, 2))
	r.ports.SetBridge("br-phy", underlayDPID,
		agenttest.VMPort("eth0", 1, 0),
		agenttest.InternalPort("br-phy", 65534, net.HardwareAddr{2, 0xaa, 0, 0, 0, 1}))
	r.ports.SetControllers("br-int", ovsdb.ControllerStatus{Bridge: "br-int", Target: "unix:/run/openvswitch/vtepd.sock",
		State: "BACKOFF", LastError: "Connection refused", Reason: "state BACKOFF: Connection refused"})
	r.ovs.AddAddress("br-phy", netip.MustParsePrefix("10.0.0.1/24"))

	a := New(mustConfig(t, yaml), logrus.NewEntry(logger))
	a.ports, a.switches, a.unixctl, a.igmp = r.ports, r.switches, r.ovs, r.igmp
	a.overlayDPID = overlayDPID
	a.retryDelay = time.Millisecond
	a.gatewayInUse = r.gatewayInUse
	r.a = a
	return r
}

// gatewayInUse answers for the hosts the test put on the underlay.
func (r *rig) gatewayInUse(_ context.Context, _ string, _, gw net.IP) (net.HardwareAddr, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	mac, ok := r.inUse[gw.String()]
	return mac, ok
}

// hostAt puts a real host on the underlay at addr.
func (r *rig) hostAt(addr string, mac net.HardwareAddr) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inUse[addr] = mac
}

// reconcile runs one reconcile as the loop does (counted, logged, retried).
func (r *rig) reconcile(t *testing.T) error {
	t.Helper()
	return r.a.reconcileAndLog(context.Background(), "test")
}

// mustConverge reconciles and fails the test on an error.
func (r *rig) mustConverge(t *testing.T) {
	t.Helper()
	if err := r.reconcile(t); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
}

// check returns the health check of this name.
func (r *rig) check(t *testing.T, name string) api.Check {
	t.Helper()
	for _, c := range r.a.Health().Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no health check %s in %+v", name, r.a.Health().Checks)
	return api.Check{}
}

// drainKick empties the kick channel and returns the reason found, if any.
func (r *rig) drainKick() string {
	select {
	case reason := <-r.a.kick:
		return reason
	default:
		return ""
	}
}

// waitKick waits (5 s at most) for a kick and returns its reason.
func (r *rig) waitKick(t *testing.T) string {
	t.Helper()
	select {
	case reason := <-r.a.kick:
		return reason
	case <-time.After(5 * time.Second):
		t.Fatal("no kick within 5s")
		return ""
	}
}

// fakeSwitches is the agent's view of which bridges are connected.
type fakeSwitches struct {
	mu              sync.Mutex
	over, under     *agenttest.Switch
	overUp, underUp bool
}

func (f *fakeSwitches) Overlay() (Switch, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.overUp {
		return nil, false
	}
	return f.over, true
}

func (f *fakeSwitches) Underlay() (Switch, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.underUp {
		return nil, false
	}
	return f.under, true
}

// connect sets which bridges have a session.
func (f *fakeSwitches) connect(overlay, underlay bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.overUp, f.underUp = overlay, underlay
}

// scrape returns the agent's metrics in the text format.
func scrape(t *testing.T, r *rig) string {
	t.Helper()
	rec := httptest.NewRecorder()
	r.a.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("metrics: HTTP %d", rec.Code)
	}
	return rec.Body.String()
}
