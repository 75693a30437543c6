package test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// programmed returns hv1's programmed flows of one bridge by key.
func programmed(t testing.TB, r *labs.Running, hv, bridge string) map[string]dumpedFlow {
	t.Helper()
	out := map[string]dumpedFlow{}
	for _, f := range flows(t, r, hv, bridge) {
		if f.Cookie.IsVtep() && !f.Cookie.Feature().Learned() {
			out[f.Key()] = f
		}
	}
	return out
}

// flowChanges sorts the difference between two flow sets: keys added,
// removed, changed (other cookie or actions), and keys re-added (same flow,
// but younger than the time since before was taken).
type flowChanges struct {
	added, removed, changed, readded []string
	same                             int
}

func diffFlows(before, after map[string]dumpedFlow, since time.Duration) flowChanges {
	var c flowChanges
	for k, a := range after {
		b, ok := before[k]
		switch {
		case !ok:
			c.added = append(c.added, k)
		case a.Cookie != b.Cookie || a.Actions != b.Actions:
			c.changed = append(c.changed, k)
		case a.Duration < since:
			c.readded = append(c.readded, k)
		default:
			c.same++
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			c.removed = append(c.removed, k)
		}
	}
	return c
}

// TestPortChangesTouchOnlyTheirFlows: a VM port added or removed at run
// time (PORT_STATUS, then vtepd re-reads OVSDB) adds or removes only the
// flows about that port, and changes only the flood flows of its VNI.
func TestPortChangesTouchOnlyTheirFlows(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	o := r.OVS["hv1"]
	before := programmed(t, r, "hv1", "br-int")
	start := time.Now()
	mustVsctl := func(args ...string) string {
		t.Helper()
		out, err := o.Vsctl(ctxT(t, 10*time.Second), args...)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out)
	}
	mustVsctl("add-port", "br-int", "vmx", "tag=1", "--", "set", "interface", "vmx", "type=internal")
	ofport := mustVsctl("get", "interface", "vmx", "ofport")
	inPort := "in_port=" + ofport
	var after map[string]dumpedFlow
	err := labs.WaitFor(ctxT(t, 20*time.Second), 50*time.Millisecond, func() (bool, error) {
		after = programmed(t, r, "hv1", "br-int")
		for k := range after {
			if strings.Contains(k, inPort+",") || strings.HasSuffix(k, inPort) {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("vtepd did not program the new port vmx (%s): %v", inPort, err)
	}
	c := diffFlows(before, after, time.Since(start))
	regOut := fmt.Sprintf("reg3=0x%x/0xffff", mustAtoi(t, ofport))
	for _, k := range c.added {
		if !strings.Contains(k, inPort) && !strings.Contains(k, regOut) {
			t.Errorf("adding vmx added a flow not about it: %s", k)
		}
	}
	if len(c.added) < 2 {
		t.Errorf("adding vmx added %d flows %v, want its classify and egress flows", len(c.added), c.added)
	}
	for _, k := range c.changed {
		if after[k].Cookie.Feature() != pipeline.FeatureFlood || after[k].Cookie.VNI() != 10 {
			t.Errorf("adding vmx changed a flow other than VNI 10's floods: %s", k)
		} else if !strings.Contains(after[k].Actions, "output:"+ofport) {
			t.Errorf("VNI 10's flood flow does not output to vmx (%s): %s", ofport, after[k].Actions)
		}
	}
	if len(c.changed) == 0 {
		t.Errorf("no flood flow changed: vmx gets no floods")
	}
	if len(c.removed)+len(c.readded) > 0 {
		t.Errorf("adding vmx removed %v and re-added %v", c.removed, c.readded)
	}
	t.Logf("adding a port: %d flows added, %d changed, %d untouched", len(c.added), len(c.changed), c.same)

	// Removing it again gives back exactly the first flow set; flows not
	// about the port were never re-added.
	mustVsctl("del-port", "br-int", "vmx")
	err = labs.WaitFor(ctxT(t, 20*time.Second), 50*time.Millisecond, func() (bool, error) {
		after = programmed(t, r, "hv1", "br-int")
		return len(after) == len(before), nil
	})
	if err != nil {
		t.Fatalf("vtepd did not remove vmx's flows: %v", err)
	}
	c = diffFlows(before, after, time.Since(start))
	for _, k := range append(append(c.added, c.removed...), c.changed...) {
		t.Errorf("after removing vmx, flow differs from before adding it: %s", k)
	}
	for _, k := range c.readded {
		if f := after[k]; f.Cookie.Feature() != pipeline.FeatureFlood {
			t.Errorf("flow re-added though not about vmx: %s", k)
		}
	}
	checkNoPacketIns(t, r)
}

func mustAtoi(t testing.TB, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

// TestReload: SIGHUP applies only the difference of a changed
// configuration; a configuration that fails validation changes nothing and
// vtepd keeps running.
func TestReload(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	cfgPath := filepath.Join(r.NodeDir("hv1"), "vtepd.yaml")
	orig, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	reload := func(cfg string) { t.Helper(); sighup(t, r, "hv1", cfg) }
	beforeO, beforeU := programmed(t, r, "hv1", "br-int"), programmed(t, r, "hv1", "br-phy")
	start := time.Now()

	// A second network on its own group: only its flows are added, it is joined.
	reload(string(orig) + "  - vni: 20\n    vlan: 2\n    group: 239.1.1.2\n")
	err = labs.WaitFor(ctxT(t, 20*time.Second), 50*time.Millisecond, func() (bool, error) {
		s := status(t, r, "hv1")
		return len(s.Networks) == 2 && strings.Contains(strings.Join(s.GroupsJoined, ","), "239.1.1.2") && s.Stats.ConfigReloads == 1, nil
	})
	if err != nil {
		t.Fatalf("vtepd did not take the new network: %v (status %+v)", err, status(t, r, "hv1"))
	}
	waitReconciled(t, r, "hv1")
	afterO, afterU := programmed(t, r, "hv1", "br-int"), programmed(t, r, "hv1", "br-phy")
	c := diffFlows(beforeO, afterO, time.Since(start))
	for _, k := range append(append(c.removed, c.changed...), c.readded...) {
		t.Errorf("adding VNI 20 touched an existing overlay flow: %s", k)
	}
	for _, k := range c.added {
		if afterO[k].Cookie.VNI() != 20 {
			t.Errorf("adding VNI 20 added a flow not of VNI 20: %s (%s)", k, afterO[k].Cookie)
		}
	}
	if len(c.added) == 0 {
		t.Errorf("adding VNI 20 added no flow")
	}
	cu := diffFlows(beforeU, afterU, time.Since(start))
	if len(cu.added) != 1 || !strings.Contains(cu.added[0], "nw_dst=239.1.1.2") || len(cu.removed)+len(cu.changed)+len(cu.readded) > 0 {
		t.Errorf("underlay: want one new join flow for 239.1.1.2 and nothing else touched, got %+v", cu)
	}
	if out, err := r.OVS["hv1"].Appctl(ctxT(t, 10*time.Second), "ovs/route/show"); err != nil || !strings.Contains(out, "239.1.1.2/32") {
		t.Errorf("no tunnel route to 239.1.1.2: %v\n%s", err, out)
	}

	// A bad configuration: refused whole, nothing changes, vtepd runs on.
	good := programmed(t, r, "hv1", "br-int")
	reloads := status(t, r, "hv1").Stats.ConfigReloads
	mark := time.Now()
	reload(string(orig) + "  - vni: 30\n    vlan: 5000\n    group: 239.1.1.3\n")
	err = labs.WaitFor(ctxT(t, 20*time.Second), 50*time.Millisecond, func() (bool, error) {
		b, err := os.ReadFile(r.Vtepds["hv1"].LogFile)
		return strings.Contains(string(b), "networks[1].vlan: 5000 out of range"), err
	})
	if err != nil {
		t.Fatalf("vtepd's log does not name the bad key and value: %v", err)
	}
	if !r.Vtepds["hv1"].Running() {
		t.Fatal("vtepd exited on a bad configuration")
	}
	s := status(t, r, "hv1")
	if s.Stats.ConfigReloads != reloads || len(s.Networks) != 2 {
		t.Errorf("bad configuration was applied: reloads %d -> %d, %d networks", reloads, s.Stats.ConfigReloads, len(s.Networks))
	}
	if s.Stats.ReloadRejected != 1 || s.Stats.ReloadRejections["invalid"] != 1 || !strings.Contains(s.Stats.LastReloadError, "5000 out of range") {
		t.Errorf("invalid configuration not counted as rejected: %+v", s.Stats)
	}
	c = diffFlows(good, programmed(t, r, "hv1", "br-int"), time.Since(mark))
	if len(c.added)+len(c.removed)+len(c.changed)+len(c.readded) > 0 {
		t.Errorf("bad configuration changed flows: %+v", c)
	}

	refuseReloads(t, r, cfgPath, string(orig), good, reloads, mark)
	checkNoPacketIns(t, r)
}

// refuseReloads: a change that needs a restart is refused whole, and so is
// a file that cannot be read; each is counted under its reason, and no flow
// changes.
func refuseReloads(t *testing.T, r *labs.Running, cfgPath, orig string, good map[string]dumpedFlow, reloads uint64, mark time.Time) {
	t.Helper()
	reload := func(cfg string) { t.Helper(); sighup(t, r, "hv1", cfg) }
	reload(strings.Replace(orig, "bridge: br-int", "bridge: br-other", 1))
	waitRejected(t, r, "hv1", 2, "restart-only", `bridge: changing "br-int" to "br-other" needs a restart`)
	reload(strings.Replace(orig, "uplink: ", "uplink: x", 1))
	waitRejected(t, r, "hv1", 3, "restart-only", "underlay.uplink: changing")
	if err := os.Remove(cfgPath); err != nil {
		t.Fatal(err)
	}
	if err := r.Vtepds["hv1"].Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitRejected(t, r, "hv1", 4, "unreadable", "no such file")
	c := diffFlows(good, programmed(t, r, "hv1", "br-int"), time.Since(mark))
	if len(c.added)+len(c.removed)+len(c.changed)+len(c.readded) > 0 {
		t.Errorf("refused reloads changed flows: %+v", c)
	}
	if s := status(t, r, "hv1"); s.Stats.ConfigReloads != reloads || s.Stats.ReloadFailed != 0 || !s.Health.Healthy {
		t.Errorf("after refused reloads: %d applied (want %d), %d failed, health %+v", s.Stats.ConfigReloads, reloads, s.Stats.ReloadFailed, s.Health)
	}
}

// waitRejected waits until hv's vtepd has refused n reloads, the last for
// reason with an error saying msg, and checks that its log says so.
func waitRejected(t *testing.T, r *labs.Running, hv string, n uint64, reason, msg string) {
	t.Helper()
	err := labs.WaitFor(ctxT(t, 20*time.Second), 50*time.Millisecond, func() (bool, error) {
		return status(t, r, hv).Stats.ReloadRejected == n, nil
	})
	st := status(t, r, hv).Stats
	if err != nil || st.ReloadRejections[reason] == 0 || !strings.Contains(st.LastReloadError, msg) {
		t.Fatalf("reload %d not refused as %s (%q): %v; stats %+v", n, reason, msg, err, st)
	}
	b, err := os.ReadFile(r.Vtepds[hv].LogFile)
	if err != nil || !strings.Contains(string(b), "reason="+reason) {
		t.Errorf("%s's log does not give the reason %s of a refused reload: %v", hv, reason, err)
	}
}
