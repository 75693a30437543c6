package ovsdb_test

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
	"github.com/vtep/vtep/ovsdb"
)

// startOVS starts a real ovsdb-server + ovs-vswitchd and dials it.
func startOVS(t *testing.T, opts ...ovsdb.Option) (*labs.OVS, *ovsdb.Client) {
	t.Helper()
	o := labstest.NewOVS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ovsdb.Dial(ctx, o.DBTarget(), opts...)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return o, c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// vsctl runs ovs-vsctl and returns its trimmed output: an independent read
// of what the client wrote.
func vsctl(t *testing.T, o *labs.OVS, args ...string) string {
	t.Helper()
	out, err := o.Vsctl(context.Background(), args...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return strings.TrimSpace(out)
}

// ensureTwice runs an ensure twice: the first must change something, the
// second nothing.
func ensureTwice(t *testing.T, what string, f func() (bool, error)) {
	t.Helper()
	for i, want := range []bool{true, false} {
		got, err := f()
		if err != nil {
			t.Fatalf("%s (call %d): %v", what, i+1, err)
		}
		if got != want {
			t.Fatalf("%s (call %d): changed = %v, want %v", what, i+1, got, want)
		}
	}
}

var pipelineTables = map[int]string{0: "classify", 10: "tunnel-in", 20: "local-in", 30: "mac", 40: "egress", 50: "flood"}

func TestIntegrationBridgeVXLANAndVMPorts(t *testing.T) {
	o, c := startOVS(t)
	ctx := testCtx(t)
	ctrl := "unix:" + filepath.Join(o.Dir, "vtepd.sock")
	spec := ovsdb.BridgeSpec{
		Name: "br-int", DatapathType: ovsdb.DatapathNetdev, FailMode: ovsdb.FailSecure,
		Controllers: []string{ctrl}, DatapathID: "00000000000000a1", DisableInBand: true,
		ExternalIDs: map[string]string{"vtep-owner": "test"}, TableNames: pipelineTables,
	}
	ensureTwice(t, "ensure bridge", func() (bool, error) { return c.EnsureBridge(ctx, spec) })

	for _, tc := range []struct{ col, want string }{
		{"datapath_type", "netdev"},
		{"fail_mode", "secure"},
		{"protocols", `[OpenFlow13]`},
		{"other_config:datapath-id", `"00000000000000a1"`},
		{"other_config:disable-in-band", `"true"`},
		{"external_ids:vtep-owner", "test"},
	} {
		if got := vsctl(t, o, "get", "Bridge", "br-int", tc.col); got != tc.want {
			t.Errorf("Bridge br-int %s = %s, want %s", tc.col, got, tc.want)
		}
	}
	if got := vsctl(t, o, "get-controller", "br-int"); got != ctrl {
		t.Errorf("controller = %q, want %q", got, ctrl)
	}
	// The same controller, retried sooner: its row is updated, not replaced.
	uuid := vsctl(t, o, "get", "Bridge", "br-int", "controller")
	backoff := spec
	backoff.ControllerMaxBackoff = 1000
	ensureTwice(t, "ensure controller max_backoff", func() (bool, error) { return c.EnsureBridge(ctx, backoff) })
	if got := vsctl(t, o, "--bare", "--columns=max_backoff", "list", "Controller"); got != "1000" {
		t.Errorf("controller max_backoff = %q, want 1000", got)
	}
	if got := vsctl(t, o, "get", "Bridge", "br-int", "controller"); got != uuid {
		t.Errorf("controller row replaced: %s -> %s", uuid, got)
	}
	if _, err := c.EnsureBridge(ctx, ovsdb.BridgeSpec{Name: "br-int", ControllerMaxBackoff: 10}); err == nil || !strings.Contains(err.Error(), "max_backoff") {
		t.Errorf("max_backoff 10: error %v, want one naming max_backoff", err)
	}
	spec = backoff
	dpid, err := c.DatapathID(ctx, "br-int")
	if err != nil || dpid != 0xa1 {
		t.Errorf("DatapathID = %#x, %v; want 0xa1", dpid, err)
	}

	vx := ovsdb.VXLAN{Name: "vxlan0", LocalIP: "192.0.2.1"}
	var vxOfport int
	ensureTwice(t, "ensure vxlan port", func() (bool, error) {
		ofport, changed, err := c.EnsureVXLANPort(ctx, "br-int", vx)
		vxOfport = ofport
		return changed, err
	})
	if vxOfport <= 0 {
		t.Errorf("vxlan ofport = %d, want > 0", vxOfport)
	}
	if got, want := vsctl(t, o, "get", "Interface", "vxlan0", "options"), `{dst_port="4789", key=flow, local_ip="192.0.2.1", remote_ip=flow}`; got != want {
		t.Errorf("vxlan0 options = %s, want %s", got, want)
	}

	vm1 := ovsdb.PortSpec{Name: "vm1", Type: "internal", Tag: new(10), ExternalIDs: map[string]string{"vm": "one"}}
	vm2 := ovsdb.PortSpec{Name: "vm2", Type: "internal", Trunks: []int{30, 20}, VLANMode: "trunk"}
	for _, ps := range []ovsdb.PortSpec{vm1, vm2} {
		ensureTwice(t, "ensure port "+ps.Name, func() (bool, error) { return c.EnsurePort(ctx, "br-int", ps) })
		if _, err := c.WaitOfport(ctx, ps.Name); err != nil {
			t.Fatal(err)
		}
	}
	// The whole desired state at once, with the ports, changes nothing more.
	full := spec
	full.Ports = []ovsdb.PortSpec{vx.PortSpec(), vm1, vm2}
	if changed, err := c.EnsureBridge(ctx, full); err != nil || changed {
		t.Fatalf("ensure full bridge state again: changed=%v err=%v, want no change", changed, err)
	}

	ports, err := c.ListPorts(ctx, "br-int")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ports {
		names = append(names, p.Name)
		if p.Ofport <= 0 {
			t.Errorf("port %s ofport = %d, want > 0", p.Name, p.Ofport)
		}
		if p.Type == "internal" && len(p.MAC) != 6 {
			t.Errorf("port %s MAC = %v, want mac_in_use", p.Name, p.MAC)
		}
		want := vsctl(t, o, "get", "Interface", p.Name, "ofport")
		if got := p.Ofport; want != strconv.Itoa(got) {
			t.Errorf("port %s ofport = %d, ovs-vsctl says %s", p.Name, got, want)
		}
		if want := vsctl(t, o, "get", "Interface", p.Name, "mtu"); want != "[]" && want != strconv.Itoa(p.MTU) {
			t.Errorf("port %s MTU = %d, ovs-vsctl says %s", p.Name, p.MTU, want)
		}
		if p.Type == "internal" && p.MTU <= 0 {
			t.Errorf("port %s MTU = %d, want the interface's mtu", p.Name, p.MTU)
		}
		switch p.Name {
		case "vm1":
			if p.Tag == nil || *p.Tag != 10 || len(p.Trunks) != 0 || p.ExternalIDs["vm"] != "one" {
				t.Errorf("vm1 = %+v, want tag 10, no trunks, external_ids vm=one", p)
			}
		case "vm2":
			if p.Tag != nil || !slices.Equal(p.Trunks, []int{20, 30}) || p.VLANMode != "trunk" {
				t.Errorf("vm2 = %+v, want no tag, trunks [20 30], vlan_mode trunk", p)
			}
		case "vxlan0":
			if p.Type != "vxlan" || p.Ofport != vxOfport {
				t.Errorf("vxlan0 = %+v, want type vxlan ofport %d", p, vxOfport)
			}
		}
	}
	if want := []string{"br-int", "vm1", "vm2", "vxlan0"}; !slices.Equal(names, want) {
		t.Errorf("ports = %v, want %v", names, want)
	}

	// A change is applied and reported; the bridge keeps its other ports.
	vm1.Tag = new(11)
	if changed, err := c.EnsurePort(ctx, "br-int", vm1); err != nil || !changed {
		t.Fatalf("retag vm1: changed=%v err=%v", changed, err)
	}
	if got := vsctl(t, o, "get", "Port", "vm1", "tag"); got != "11" {
		t.Errorf("vm1 tag = %s, want 11", got)
	}

	ensureTwice(t, "delete port vm2", func() (bool, error) { return c.DeletePort(ctx, "br-int", "vm2") })
	if got := vsctl(t, o, "list-ports", "br-int"); got != "vm1\nvxlan0" {
		t.Errorf("ports after delete = %q, want vm1 and vxlan0", got)
	}

	// Table names reach ovs-vswitchd: flow dumps show them.
	for _, f := range []string{"table=0,priority=5,actions=drop", "table=10,priority=5,actions=drop"} {
		if _, err := o.Ofctl(ctx, "add-flow", "br-int", f); err != nil {
			t.Fatal(err)
		}
	}
	out, err := o.Ofctl(ctx, "dump-flows", "br-int", "--names")
	if err != nil {
		t.Fatal(err)
	}
	// OVS 3.1 quotes names that are not plain identifiers.
	for _, want := range []string{"table=classify,", `table="tunnel-in",`} {
		if !strings.Contains(out, want) {
			t.Errorf("dump-flows --names does not show %s:\n%s", want, out)
		}
	}
}

func TestIntegrationUnderlayBridge(t *testing.T) {
	o, c := startOVS(t)
	ctx := testCtx(t)
	if _, err := labs.Exec(ctx, o.Netns, "ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0-peer"); err != nil {
		t.Fatal(err)
	}
	spec := ovsdb.BridgeSpec{Name: "br-phy", FailMode: ovsdb.FailStandalone,
		Ports: []ovsdb.PortSpec{{Name: "eth0"}}}
	ensureTwice(t, "ensure br-phy", func() (bool, error) { return c.EnsureBridge(ctx, spec) })
	if got := vsctl(t, o, "get", "Bridge", "br-phy", "fail_mode"); got != "standalone" {
		t.Errorf("fail_mode = %s, want standalone", got)
	}
	if of, err := c.WaitOfport(ctx, "eth0"); err != nil || of <= 0 {
		t.Errorf("eth0 ofport = %d, %v", of, err)
	}
	// Switching the fail mode and dropping the table names is a change.
	spec.FailMode, spec.TableNames = ovsdb.FailSecure, map[int]string{}
	if changed, err := c.EnsureBridge(ctx, spec); err != nil || !changed {
		t.Fatalf("change fail mode: changed=%v err=%v", changed, err)
	}
	ensureTwice(t, "delete bridge", func() (bool, error) { return c.DeleteBridge(ctx, "br-phy") })
	if got := vsctl(t, o, "list-br"); got != "" {
		t.Errorf("bridges after delete = %q, want none", got)
	}
}
