package agent_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/vtep/vtep/agent"
	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
	"github.com/vtep/vtep/ovsdb"
)

// vsctl runs ovs-vsctl on o and fails the test if it fails.
func vsctl(t *testing.T, o *labs.OVS, args ...string) {
	t.Helper()
	if _, err := o.Vsctl(context.Background(), args...); err != nil {
		t.Fatal(err)
	}
}

// waitUntil polls cond every 10ms until it holds or d has passed, and
// returns how long that took.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := labs.WaitFor(ctx, 10*time.Millisecond, func() (bool, error) { return cond(), nil }); err != nil {
		t.Fatalf("%s: not within %v: %v", what, d, err)
	}
	return time.Since(start)
}

// portTag returns the tag and VNIs of a VM port as the agent last read it.
func portTag(a *agent.Agent, name string) (uint16, []uint32, bool) {
	for _, p := range a.Status().Ports {
		if p.Name == name {
			return p.Tag, p.VNIs, true
		}
	}
	return 0, nil, false
}

// agentConfig is a configuration for an agent of OVS o: replication mode,
// no API socket, VNI 10 on VLAN 1 and VNI 20 on VLAN 2.
func agentConfig(t *testing.T, o *labs.OVS) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
ovsdb: %s
openflow: {listen: "unix:%s"}
bridge: br-int
underlay: {bridge: br-phy, local_ip: 10.0.0.1/24}
flood: {mode: replication, peers: [10.0.0.2]}
api: {listen: ""}
networks: [{vni: 10, vlan: 1}, {vni: 20, vlan: 2}]
`, o.DBTarget(), filepath.Join(o.Dir, "vtepd.sock"))))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// runAgent runs an agent until the test ends, logging into the returned hook.
func runAgent(t *testing.T, cfg *config.Config) (*agent.Agent, *logtest.Hook, <-chan error) {
	logger, hook := logtest.NewNullLogger()
	logger.SetLevel(logrus.InfoLevel)
	a := agent.New(cfg, logrus.NewEntry(logger))
	ctx, stop := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(ctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-runErr; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return a, hook, runErr
}

// warnings counts the warnings about target not being reachable.
func warnings(hook *logtest.Hook, target string) int {
	n := 0
	for _, e := range hook.AllEntries() {
		if e.Level == logrus.WarnLevel && strings.Contains(e.Message, "ovsdb not reachable") &&
			e.Data["ovsdb"] == target && e.Data["error"] != nil {
			n++
		}
	}
	return n
}

// TestIntegrationOVSDBWaitMonitorAndControllerStatus runs the agent in
// this process against a real OVS: started while ovsdb-server is down, it
// waits (logging each attempt) and gets ready once the database is back;
// the controller status says connected; a retag made with ovs-vsctl, which
// OpenFlow does not announce, is reconciled within a second.
func TestIntegrationOVSDBWaitMonitorAndControllerStatus(t *testing.T) {
	o := labstest.NewOVS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	vsctl(t, o, "add-br", "br-phy", "--", "set", "bridge", "br-phy", "datapath_type=netdev")
	cfg := agentConfig(t, o)
	if err := o.StopDB(ctx); err != nil {
		t.Fatal(err)
	}
	a, hook, runErr := runAgent(t, cfg)
	waitUntil(t, 10*time.Second, "two logged attempts to reach ovsdb", func() bool { return warnings(hook, o.DBTarget()) >= 2 })
	if err := o.StartDB(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-a.Ready():
	case err := <-runErr:
		t.Fatalf("Run returned before ready: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("agent not ready 30s after ovsdb-server started")
	}

	// ovs-vswitchd writes the status every few seconds.
	var cs ovsdb.ControllerStatus
	waitUntil(t, 15*time.Second, "controller status written", func() bool {
		var err error
		if cs, err = a.ControllerStatus(ctx); err != nil {
			t.Fatal(err)
		}
		return cs.State != ""
	})
	if !cs.IsConnected || cs.State != "ACTIVE" || cs.Reason != "" || cs.Target != cfg.OpenFlow.Listen {
		t.Errorf("controller status = %+v, want connected, ACTIVE, no reason", cs)
	}

	vsctl(t, o, "add-port", "br-int", "vm1", "tag=1", "--", "set", "interface", "vm1", "type=internal")
	waitUntil(t, 10*time.Second, "vm1 reconciled on VLAN 1", func() bool { tag, _, ok := portTag(a, "vm1"); return ok && tag == 1 })
	for _, tc := range []struct{ tag, vnis string }{{"2", "[20]"}, {"7", "[]"}} {
		start := time.Now()
		vsctl(t, o, "set", "port", "vm1", "tag="+tc.tag)
		waitUntil(t, time.Second-time.Since(start), "vm1 reconciled on VLAN "+tc.tag, func() bool {
			tag, vnis, _ := portTag(a, "vm1")
			return fmt.Sprint(tag) == tc.tag && fmt.Sprint(vnis) == tc.vnis
		})
		took := time.Since(start)
		if took > time.Second {
			t.Errorf("retag to VLAN %s reconciled %v after ovs-vsctl started, want within 1s", tc.tag, took)
		}
		t.Logf("retag to VLAN %s reconciled %v after ovs-vsctl started", tc.tag, took)
	}
	checkUpdateMetrics(t, a)
}

// checkUpdateMetrics checks that the agent counted delivered OVSDB
// updates and no malformed one.
func checkUpdateMetrics(t *testing.T, a *agent.Agent) {
	t.Helper()
	rec := httptest.NewRecorder()
	a.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	metrics := rec.Body.String()
	if !strings.Contains(metrics, `vtepd_ovsdb_updates_total{result="malformed"} 0`) ||
		strings.Contains(metrics, `vtepd_ovsdb_updates_total{result="delivered"} 0`) ||
		!strings.Contains(metrics, `vtepd_ovsdb_updates_total{result="delivered"}`) {
		t.Errorf("metrics: want some updates delivered and none malformed, got:\n%s", grepLines(metrics, "vtepd_ovsdb"))
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
