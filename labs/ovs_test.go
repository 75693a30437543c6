package labs_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs/labstest"
)

func TestOVSInstance(t *testing.T) {
	o := labstest.NewOVS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := o.Vsctl(ctx, "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(o.Mgmt("br0")); err != nil {
		t.Fatalf("management socket of br0 not in the instance's run dir: %v", err)
	}
	out, err := o.Ofctl(ctx, "show", "br0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "dpid:") {
		t.Errorf("ovs-ofctl show br0 = %q, want a dpid line", out)
	}
	if err := o.StopVswitchd(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Ofctl(ctx, "show", "br0"); err == nil {
		t.Errorf("ovs-ofctl answered with ovs-vswitchd stopped")
	}
	if err := o.StartVswitchd(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Ofctl(ctx, "show", "br0"); err != nil {
		t.Errorf("after restart: %v", err)
	}
}
