package ovsdb_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/vtep/vtep/ovsdb"
)

// TestIntegrationEnsureBridgeWithVXLANAllOrNothing: the bridge and its
// VXLAN port are one transaction. When the port's name is taken on another
// bridge, the ensure is refused before anything is written: no new bridge,
// and an existing bridge keeps its fail mode and controllers.
func TestIntegrationEnsureBridgeWithVXLANAllOrNothing(t *testing.T) {
	o, c := startOVS(t)
	ctx := testCtx(t)
	vsctl(t, o, "add-br", "br-other", "--", "set", "bridge", "br-other", "datapath_type=netdev",
		"--", "add-port", "br-other", "vxlan0", "--", "set", "interface", "vxlan0", "type=vxlan", "options:remote_ip=flow", "options:key=flow")
	ctrl := "unix:" + filepath.Join(o.Dir, "vtepd.sock")
	spec := ovsdb.BridgeSpec{Name: "br-int", FailMode: ovsdb.FailSecure, Controllers: []string{ctrl}, TableNames: pipelineTables}
	vx := ovsdb.VXLAN{Name: "vxlan0"}

	_, changed, err := c.EnsureBridgeWithVXLAN(ctx, spec, vx)
	if !errors.Is(err, ovsdb.ErrConflict) || changed {
		t.Fatalf("ensure with the tunnel port on another bridge: changed %v, error %v; want ErrConflict", changed, err)
	}
	if got := vsctl(t, o, "list-br"); got != "br-other" {
		t.Fatalf("bridges after a refused ensure: %q, want only br-other", got)
	}

	// An existing standalone bridge without controller stays so.
	vsctl(t, o, "add-br", "br-int", "--", "set", "bridge", "br-int", "datapath_type=netdev", "fail_mode=standalone")
	before := vsctl(t, o, "--columns=fail_mode,controller,ports,flow_tables", "list", "Bridge", "br-int")
	if _, _, err := c.EnsureBridgeWithVXLAN(ctx, spec, vx); !errors.Is(err, ovsdb.ErrConflict) {
		t.Fatalf("ensure over an existing bridge: %v, want ErrConflict", err)
	}
	if after := vsctl(t, o, "--columns=fail_mode,controller,ports,flow_tables", "list", "Bridge", "br-int"); after != before {
		t.Fatalf("bridge changed by a refused ensure:\nbefore %s\nafter  %s", before, after)
	}

	// With the name free, one call makes both, and a second changes nothing.
	vsctl(t, o, "del-br", "br-other")
	ensureTwice(t, "ensure bridge with vxlan", func() (bool, error) {
		ofport, changed, err := c.EnsureBridgeWithVXLAN(ctx, spec, vx)
		if err == nil && ofport <= 0 {
			t.Errorf("vxlan ofport %d", ofport)
		}
		return changed, err
	})
	if got := vsctl(t, o, "get", "Bridge", "br-int", "fail_mode"); got != "secure" {
		t.Errorf("fail_mode %s, want secure", got)
	}
	if got := vsctl(t, o, "port-to-br", "vxlan0"); got != "br-int" {
		t.Errorf("vxlan0 on %q, want br-int", got)
	}
}
