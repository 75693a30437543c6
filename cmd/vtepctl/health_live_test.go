package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
)

// TestLiveStatusExitCode: vtepctl status exits 0 while vtepd forwards, and
// 1, naming the failed checks, while ovs-vswitchd is down; /readyz agrees.
func TestLiveStatusExitCode(t *testing.T) {
	r := liveLab(t)
	addr := apiOf(r, "hv2")
	if o, e, code := vtepctl(t, "status", "--api", addr); code != 0 || !regexp.MustCompile(`(?m)^health\s+ok$`).MatchString(o) {
		t.Fatalf("healthy lab: status exit %d\n%s%s", code, o, e)
	}
	var h api.Health
	if err := api.NewClient(addr).Get(testCtx(t, 10*time.Second), "/readyz", &h); err != nil || !h.Healthy {
		t.Fatalf("/readyz on a healthy lab: %v %+v", err, h)
	}
	if err := r.OVS["hv2"].StopVswitchd(testCtx(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	var out, errOut string
	err := labs.WaitFor(testCtx(t, 15*time.Second), 100*time.Millisecond, func() (bool, error) {
		var code int
		out, errOut, code = vtepctl(t, "status", "--api", addr)
		return code == 1, nil
	})
	if err != nil {
		t.Fatalf("status did not exit 1 with ovs-vswitchd down: %v\n%s%s", err, out, errOut)
	}
	for _, want := range []string{"unhealthy", "overlay_bridge: br-int NOT CONNECTED"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("status error output does not say %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out, "UNHEALTHY") {
		t.Errorf("status output does not say UNHEALTHY:\n%s", out)
	}
	if _, _, code := vtepctl(t, "status", "--api", addr, "-o", "json"); code != 1 {
		t.Errorf("status -o json exit %d with ovs-vswitchd down, want 1", code)
	}
	if err := api.NewClient(addr).Get(testCtx(t, 10*time.Second), "/readyz", &h); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("/readyz with ovs-vswitchd down: %v, want 503", err)
	}
	if code, body, err := api.NewClient(addr).Probe(testCtx(t, 10*time.Second), "/healthz"); err != nil || code != 200 || body != "ok\n" {
		t.Errorf("/healthz while vtepd runs: %d %q %v, want 200 ok", code, body, err)
	}
	if code, body, err := api.NewClient(addr).Probe(testCtx(t, 10*time.Second), "/readyz"); err != nil || code != 503 || !strings.Contains(body, `"name": "overlay_bridge"`) {
		t.Errorf("/readyz body with ovs-vswitchd down: %d %v\n%s", code, err, body)
	}
	if err := r.OVS["hv2"].StartVswitchd(testCtx(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	err = labs.WaitFor(testCtx(t, 30*time.Second), 100*time.Millisecond, func() (bool, error) {
		_, _, code := vtepctl(t, "status", "--api", addr)
		return code == 0, nil
	})
	if err != nil {
		o, e, _ := vtepctl(t, "status", "--api", addr)
		t.Fatalf("status did not recover once ovs-vswitchd was back: %v\n%s%s", err, o, e)
	}
}

// TestLiveStatusTunnelReceiveBroken: with the VTEP address gone from the
// underlay bridge, OVS cannot listen for VXLAN and no repair helps: vtepctl
// status exits 1 naming tunnel_receive, /readyz answers 503, and both
// recover once the address is back.
func TestLiveStatusTunnelReceiveBroken(t *testing.T) {
	r := liveLab(t)
	addr := apiOf(r, "hv2")
	ns := r.Lab.Netns("hv2")
	ip := func(op string) {
		t.Helper()
		if _, err := labs.Exec(testCtx(t, 10*time.Second), ns, "ip", "addr", op, "10.0.0.2/24", "dev", "br-phy"); err != nil {
			t.Fatal(err)
		}
	}
	waitCode := func(want int) (string, string) {
		t.Helper()
		var o, e string
		err := labs.WaitFor(testCtx(t, 30*time.Second), 100*time.Millisecond, func() (bool, error) {
			var code int
			o, e, code = vtepctl(t, "status", "--api", addr)
			return code == want, nil
		})
		if err != nil {
			t.Fatalf("status never exited %d: %v\n%s%s", want, err, o, e)
		}
		return o, e
	}
	waitCode(0)
	ip("del")
	_, errOut := waitCode(1)
	if !strings.Contains(errOut, "tunnel_receive: broken") {
		t.Errorf("status does not name tunnel receive:\n%s", errOut)
	}
	if code, body, err := api.NewClient(addr).Probe(testCtx(t, 10*time.Second), "/readyz"); err != nil || code != 503 || !strings.Contains(body, `"name": "tunnel_receive"`) {
		t.Errorf("/readyz with tunnel receive broken: %d %v\n%s", code, err, body)
	}
	ip("add")
	waitCode(0)
}
