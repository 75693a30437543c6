package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
)

// TestLiveUplinkARPWarning turns net.ipv4.conf.eth0.arp_ignore off on a lab
// hypervisor (the labs set it to 1): the restarted vtepd logs a warning and
// status shows it, while vtepd stays healthy (a warning, not a failed
// check).
func TestLiveUplinkARPWarning(t *testing.T) {
	r := labstest.UpLab(t, "../../labs/figure4.yaml", vtepdBin, func(f *labs.File) {
		f.Hypervisors, f.VMs = f.Hypervisors[:1], f.VMs[:1]
	})
	ctx := testCtx(t, 2*time.Minute)
	for _, k := range []string{"net/ipv4/conf/eth0/arp_ignore", "net/ipv4/conf/all/arp_ignore"} {
		if err := labs.SetSysctl(r.Netns("hv1"), k, "0"); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.RestartVtepd(ctx, "hv1", vtepdBin); err != nil {
		t.Fatal(err)
	}
	if err := r.WaitProgrammed(ctx, "hv1"); err != nil {
		t.Fatal(err)
	}
	const warning = "WARNING net.ipv4.conf.eth0.arp_ignore is 0 (all: 0): the kernel answers ARP for the VTEP address 10.0.0.1 on eth0"
	out := mustVtepctl(t, "status", "--api", apiOf(r, "hv1")) // exit 0: healthy
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "uplink eth0: "+warning) {
		t.Errorf("status lacks the uplink warning %q:\n%s", warning, out)
	}
	if !strings.Contains(out, "health           ok") {
		t.Errorf("status is not healthy:\n%s", out)
	}
	var rep statusReport
	if err := json.Unmarshal([]byte(mustVtepctl(t, "status", "--api", apiOf(r, "hv1"), "-o", "json")), &rep); err != nil {
		t.Fatal(err)
	}
	if u := rep.Uplink; u == nil || u.Name != "eth0" || u.ARPIgnore != 0 || u.Warning == "" {
		t.Errorf("status json uplink = %+v, want eth0 at arp_ignore 0 with a warning", u)
	}
	logged, err := os.ReadFile(r.Vtepds["hv1"].LogFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(logged), "net.ipv4.conf.eth0.arp_ignore is 0") {
		t.Errorf("vtepd's log lacks the warning:\n%s", logged)
	}
}
