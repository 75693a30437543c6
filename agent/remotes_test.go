package agent

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
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
		e, ok := decodeLearned(f, portInfo{})
		if !ok || !e.Remote || e.VTEP != "10.0.0.2" {
			t.Errorf("%T: decoded %+v, %v; want remote VTEP 10.0.0.2", act, e, ok)
		}
	}
}
