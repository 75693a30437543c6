package pipeline

import (
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/vtep/vtep/pipeline/pipelinetest"
)

// frozenSwitch is VTEP 10.0.0.1 with VNI 10 on access ports 2 and 3 and
// the given frozen MACs.
func frozenSwitch(t *testing.T, frozen ...FrozenMAC) *pipelinetest.Switch {
	t.Helper()
	d := testConfig(t, multicast, vniNet(10, 1, "239.1.1.1"))
	d.FrozenMACs = frozen
	r := mustBuild(t, testState(d, Port{Name: "a", OFPort: 2, Tag: 1}, Port{Name: "b", OFPort: 3, Tag: 1}))
	for i := 1; i < len(r.Overlay); i++ {
		if r.Overlay[i].Table < r.Overlay[i-1].Table {
			t.Fatalf("overlay not in table order at %d: %s after %s", i, r.Overlay[i], r.Overlay[i-1])
		}
	}
	return pipelinetest.New(r.Overlay, r.Groups)
}

func runPorts(t *testing.T, sw *pipelinetest.Switch, p pipelinetest.Packet) []uint32 {
	t.Helper()
	tr, err := sw.Run(p)
	if err != nil {
		t.Fatal(err)
	}
	return tr.Ports()
}

func TestFrozenOnLocalPort(t *testing.T) {
	sw := frozenSwitch(t, FrozenMAC{VNI: 10, MAC: macA, Port: 2})
	// from elsewhere: port 3 and the tunnel are dropped, nothing learned
	if got := runPorts(t, sw, pipelinetest.Packet{InPort: 3, EthSrc: macA, EthDst: broadcast}); len(got) != 0 {
		t.Errorf("frozen MAC from port 3 reached %v, want dropped", got)
	}
	if got := runPorts(t, sw, pipelinetest.Packet{InPort: tunnel, TunID: 10, TunSrc: net.ParseIP("10.0.0.2"),
		EthSrc: macA, EthDst: broadcast}); len(got) != 0 {
		t.Errorf("frozen MAC from the tunnel reached %v, want dropped", got)
	}
	// from its place it is forwarded (flooded here: macB is unknown)
	if got := runPorts(t, sw, pipelinetest.Packet{InPort: 2, EthSrc: macA, EthDst: broadcast}); !slices.Contains(got, 3) {
		t.Errorf("frozen MAC from its own port reached %v, want port 3 among them", got)
	}
	// to it: port 2, whoever sends
	if got := runPorts(t, sw, pipelinetest.Packet{InPort: 3, EthSrc: macB, EthDst: macA}); !slices.Equal(got, []uint32{2}) {
		t.Errorf("to the frozen MAC: %v, want [2]", got)
	}
}

func TestFrozenBehindRemoteVTEP(t *testing.T) {
	sw := frozenSwitch(t, FrozenMAC{VNI: 10, MAC: macA, VTEP: netip.MustParseAddr("10.0.0.2")})
	if got := runPorts(t, sw, pipelinetest.Packet{InPort: 3, EthSrc: macA, EthDst: broadcast}); len(got) != 0 {
		t.Errorf("frozen MAC from a local port reached %v, want dropped", got)
	}
	if got := runPorts(t, sw, pipelinetest.Packet{InPort: tunnel, TunID: 10, TunSrc: net.ParseIP("10.0.0.3"),
		EthSrc: macA, EthDst: broadcast}); len(got) != 0 {
		t.Errorf("frozen MAC from another VTEP reached %v, want dropped", got)
	}
	if got := runPorts(t, sw, pipelinetest.Packet{InPort: tunnel, TunID: 10, TunSrc: net.ParseIP("10.0.0.2"),
		EthSrc: macA, EthDst: broadcast}); !slices.Equal(got, []uint32{2, 3}) {
		t.Errorf("frozen MAC from its VTEP reached %v, want [2 3]", got)
	}
	tr, err := sw.Run(pipelinetest.Packet{InPort: 3, EthSrc: macB, EthDst: macA})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Outputs) != 1 || tr.Outputs[0].Port != tunnel || !tr.Outputs[0].TunDst.Equal(net.ParseIP("10.0.0.2")) {
		t.Errorf("to the frozen MAC: %v, want the tunnel to 10.0.0.2", tr.Outputs)
	}
}

func TestFrozenIgnoredWhereItCannotApply(t *testing.T) {
	base := mustBuild(t, testState(testConfig(t, multicast, vniNet(10, 1, "239.1.1.1")), Port{Name: "a", OFPort: 2, Tag: 1}))
	for _, f := range []FrozenMAC{
		{VNI: 11, MAC: macA, Port: 2},                                  // unknown VNI
		{VNI: 10, MAC: macA, Port: 9},                                  // port not in the VNI
		{VNI: 10, MAC: macA},                                           // no place
		{VNI: 10, MAC: macA, VTEP: netip.MustParseAddr("2001:db8::1")}, // not IPv4
	} {
		d := testConfig(t, multicast, vniNet(10, 1, "239.1.1.1"))
		d.FrozenMACs = []FrozenMAC{f}
		r := mustBuild(t, testState(d, Port{Name: "a", OFPort: 2, Tag: 1}))
		if len(r.Overlay) != len(base.Overlay) {
			t.Errorf("%+v: %d flows, want %d (none added)", f, len(r.Overlay), len(base.Overlay))
		}
	}
}
