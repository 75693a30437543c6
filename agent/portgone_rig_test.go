package agent

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/agent/agenttest"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// learnedOnPort is a learned-local MAC entry of port no in VNI 10.
func learnedOnPort(mac byte, no uint32) ofapp.Flow {
	f := learned(pipeline.FeatureLearnedLocal, 10, "02:00:00:00:00:00", setFieldReg(2, 0), reg3(uint64(no))).Flow
	f.Match = ofapp.Match{ofapp.MatchReg(0, 10, 0xffffff), ofapp.MatchEthDst([]byte{2, 0, 0, 0, 0, mac})}
	f.Cookie = uint64(pipeline.LearnedLocalCookie(10, no))
	return f
}

// learnedPorts returns the ports named by the learned-local entries left.
func learnedPorts(t *testing.T, sw *agenttest.Switch) []uint32 {
	t.Helper()
	fs, err := sw.TableFlows(context.Background(), pipeline.TableMAC, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []uint32
	for _, f := range fs {
		out = append(out, pipeline.Cookie(f.Cookie).Port())
	}
	slices.Sort(out)
	return out
}

// TestDepartedPortsForgetTheirMACs: a port deleted while vtepd was away
// loses its MACs when the overlay bridge connects; one deleted while
// connected loses them at once; the other ports keep theirs.
func TestDepartedPortsForgetTheirMACs(t *testing.T) {
	r := newRig(t, rigConfig)
	ctx := context.Background()
	r.over.Install(learnedOnPort(1, ofVM1), learnedOnPort(2, ofVM2), learnedOnPort(3, 7), learnedOnPort(4, 7))
	r.over.SetPorts(ofapp.Port{No: ofVM1, Name: "vm1"}, ofapp.Port{No: ofTunnel, Name: TunnelPortName}, ofapp.Port{No: ofVM2, Name: "vm2"})
	r.a.forgetGonePorts(ctx, r.over)
	if got, want := learnedPorts(t, r.over), []uint32{ofVM1, ofVM2}; !slices.Equal(got, want) {
		t.Errorf("after connecting: MACs of ports %v, want %v", got, want)
	}
	r.a.forgetPortMACs(ctx, r.over, ofapp.Port{No: ofVM2, Name: "vm2"})
	if got, want := learnedPorts(t, r.over), []uint32{ofVM1}; !slices.Equal(got, want) {
		t.Errorf("after vm2 went: MACs of ports %v, want %v", got, want)
	}
	r.a.forgetPortMACs(ctx, nil, ofapp.Port{No: ofVM1})
	r.a.forgetPortMACs(ctx, r.over, ofapp.Port{No: ofapp.PortLocal, Name: "br-int"})
	if got := learnedPorts(t, r.over); len(got) != 1 {
		t.Errorf("no session or a reserved port removed MACs: %v left", got)
	}

	for _, op := range []agenttest.Op{agenttest.OpFlows, agenttest.OpPortDescs, agenttest.OpApply} {
		r.hook.Reset()
		r.over.Install(learnedOnPort(5, 9))
		r.over.Fail(op, errBoom)
		r.a.forgetGonePorts(ctx, r.over)
		r.a.forgetPortMACs(ctx, r.over, ofapp.Port{No: 9})
		r.over.Fail(op, nil)
		if !warned(r, "departed port") && !warned(r, "deleted port") {
			t.Errorf("%s failing: no warning logged", op)
		}
	}
}

// warned reports whether a warning containing sub was logged.
func warned(r *rig, sub string) bool {
	for _, e := range r.hook.AllEntries() {
		if e.Level == logrus.WarnLevel && strings.Contains(e.Message, sub) {
			return true
		}
	}
	return false
}
