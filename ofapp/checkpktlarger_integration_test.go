package ofapp_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/vtep/vtep/ofapp"
)

// TestIntegrationCheckPktLarger installs a check_pkt_larger flow through
// ofapp: OVS dumps it as ovs-ofctl writes it, and it reads back the same.
func TestIntegrationCheckPktLarger(t *testing.T) {
	l, sw := newLab(t, ofapp.Config{})
	ctx := ctxT(t)
	f := ofapp.Flow{Table: 0, Priority: 10, Cookie: 0x42,
		Actions: []ofapp.Action{ofapp.CheckPktLarger{Len: 1464, Dst: ofapp.Bits(ofapp.FieldReg(1), 5, 1)}}, Goto: 1}
	var b ofapp.Batch
	b.AddFlows(f)
	if err := sw.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	viaOfapp := strings.Join(dumpLines(l.ofctl(t, "dump-flows", "--no-stats")), "\n")
	if !strings.Contains(viaOfapp, "check_pkt_larger(1464)->NXM_NX_REG1[5]") {
		t.Errorf("dump-flows shows %q, want check_pkt_larger(1464)->NXM_NX_REG1[5]", viaOfapp)
	}
	read, err := sw.Flows(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(read) != 1 || !reflect.DeepEqual(read[0].Actions, f.Actions) {
		t.Errorf("read back %v, want actions %v", read, f.Actions)
	}
	l.ofctl(t, "del-flows")
	l.ofctl(t, "add-flow", f.String())
	if got := strings.Join(dumpLines(l.ofctl(t, "dump-flows", "--no-stats")), "\n"); got != viaOfapp {
		t.Errorf("ovs-ofctl add-flow %s dumps\n%s\nofapp's dumps\n%s", f, got, viaOfapp)
	}
}
