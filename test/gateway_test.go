package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
)

// gatewayLab puts VTEP 2 on 10.0.0.254: the placeholder gateway VTEP 1
// would pick for its group (the top of 10.0.0.0/24).
const gatewayLab = `
prefix: gwt
underlay: {igmp_snooping: false}
vtep:
  networks: [{vni: 10, vlan: 1, group: 239.1.1.1}]
hypervisors:
  - {name: hv1, vtep_ip: 10.0.0.1/24}
  - {name: hv2, vtep_ip: 10.0.0.254/24}
`

// TestPlaceholderGatewayOwnedByAHost: vtepd refuses a multicast placeholder
// gateway that a real host answers for (pinning it to the group's MAC would
// break tunnels to that host) and says which key to set.
func TestPlaceholderGatewayOwnedByAHost(t *testing.T) {
	labstest.Require(t)
	f, err := labs.ParseFile([]byte(gatewayLab))
	if err != nil {
		t.Fatal(err)
	}
	f.Prefix = labstest.Prefix(t)
	l, err := labs.Build(ctxT(t, time.Minute), f.Topology())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	dir := l.NodeDir("hv1")
	cfg := filepath.Join(dir, "vtepd.yaml")
	if err := os.WriteFile(cfg, f.VtepdConfig(f.Hypervisors[0], dir), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := l.StartDaemon(ctxT(t, 10*time.Second), "hv1", vtepdBin, "-config", cfg); err != nil {
		t.Fatal(err)
	}
	cl := api.NewClient("unix:" + filepath.Join(dir, "vtepd-api.sock"))
	var s api.Status
	err = labs.WaitFor(ctxT(t, 20*time.Second), 100*time.Millisecond, func() (bool, error) {
		s, err = cl.Status(ctxT(t, 5*time.Second))
		return err == nil && strings.Contains(s.Stats.LastError, "placeholder gateway 10.0.0.254 is a real host's address"), nil
	})
	if err != nil {
		t.Fatalf("vtepd did not refuse the placeholder 10.0.0.254: %v (last error %q)", err, s.Stats.LastError)
	}
	if !strings.Contains(s.Stats.LastError, "underlay.mcast_gateways") {
		t.Errorf("error does not say what to set: %s", s.Stats.LastError)
	}
	if out, err := l.OVS["hv1"].Appctl(ctxT(t, 10*time.Second), "tnl/neigh/show"); err != nil || strings.Contains(out, "10.0.0.254") && strings.Contains(out, "01:00:5e") {
		t.Errorf("the host's address was pinned to a multicast MAC: %v\n%s", err, out)
	}
}
