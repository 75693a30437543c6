package agent

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
	"github.com/vtep/vtep/trace"
	"github.com/vtep/vtep/underlay"
)

// TestRemoteCheck: the filter the keeper and /v1/remotes use refuses the
// groups' placeholder gateways (which OVS's cache pins to group MACs) and
// everything underlay.CheckRemote refuses, and allows peers in the subnet.
func TestRemoteCheck(t *testing.T) {
	cfg := mustConfig(t, baseConfig+`
  - vni: 20
    vlan: 2
    group: 239.1.1.2
`)
	check, err := remoteCheck(cfg)
	if err != nil {
		t.Fatal(err)
	}
	gws, err := cfg.MulticastGateways()
	if err != nil || len(gws) != 2 {
		t.Fatalf("gateways %v, %v; want two", gws, err)
	}
	refused := []string{gws[0].Gateway.String(), gws[1].Gateway.String(), "10.0.0.1", "10.0.0.0", "10.0.0.255",
		"10.0.1.7", "239.1.1.1", "0.0.0.0", "255.255.255.255", "127.0.0.1"}
	for _, s := range refused {
		if err := check(netip.MustParseAddr(s)); !errors.Is(err, underlay.ErrNotResolvable) {
			t.Errorf("check(%s) = %v, want ErrNotResolvable", s, err)
		}
	}
	for _, s := range []string{"10.0.0.2", "10.0.0.200"} {
		if err := check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("check(%s) = %v, want nil", s, err)
		}
	}
}

// TestLearnedRemoteVTEP: the remote VTEP of a learned-remote entry is the
// address its actions load into reg2, in either form OVS reports.
func TestLearnedRemoteVTEP(t *testing.T) {
	for _, act := range []ofapp.Action{
		setFieldReg(2, 0x0a000002),
		ofapp.RegLoad{Dst: pipeline.RegRemoteVTEP, Value: 0x0a000002},
	} {
		f := learned(pipeline.FeatureLearnedRemote, 10, "02:00:00:00:00:0b", act, setFieldReg(3, 2))
		e, ok := decodeLearned(f, trace.Ports{})
		if !ok || !e.Remote || e.VTEP != "10.0.0.2" {
			t.Errorf("%T: decoded %+v, %v; want remote VTEP 10.0.0.2", act, e, ok)
		}
	}
}

// TestRemoteKeeperMetrics: every result series exists from the start, and
// a refused address is counted once while it stays learned.
func TestRemoteKeeperMetrics(t *testing.T) {
	a := New(mustConfig(t, baseConfig), nil)
	k := a.remotes
	for _, r := range []string{resultResolved, resultRefreshed, resultFailed, resultSkipped} {
		if v := counterValue(t, a, r); v != 0 {
			t.Errorf("%s = %v at start, want 0", r, v)
		}
	}
	fams, err := a.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fams {
		if f.GetName() == "vtepd_remote_vtep_resolutions_total" || f.GetName() == "vtepd_remote_vteps" {
			n += len(f.GetMetric())
		}
	}
	if n != 5 {
		t.Errorf("registered series: %d, want 5 (four results and the gauge)", n)
	}
	hostile := netip.MustParseAddr("239.1.1.1")
	why := underlay.CheckRemote(hostile, a.config().Underlay.LocalIP, nil)
	for range 3 {
		k.mu.Lock()
		k.noteSkipped(map[netip.Addr]error{hostile: why})
		k.mu.Unlock()
	}
	if v := counterValue(t, a, resultSkipped); v != 1 {
		t.Errorf("skipped = %v after three passes over one address, want 1", v)
	}
	k.mu.Lock()
	k.prune(map[netip.Addr]int{}) // no longer learned
	k.noteSkipped(map[netip.Addr]error{hostile: why})
	k.mu.Unlock()
	if v := counterValue(t, a, resultSkipped); v != 2 {
		t.Errorf("skipped = %v after it was forgotten and learned again, want 2", v)
	}
}

// counterValue reads vtepd_remote_vtep_resolutions_total{result} from the
// agent's registry, as a scrape would.
func counterValue(t *testing.T, a *Agent, result string) float64 {
	t.Helper()
	fams, err := a.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != "vtepd_remote_vtep_resolutions_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no series with result=%q", result)
	return 0
}
