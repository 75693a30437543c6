package agent

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/macflap"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
	"github.com/vtep/vtep/trace"
)

// freezeIn makes the agent's detector freeze mac in vni at first after
// flapping with second.
func freezeIn(t *testing.T, a *Agent, vni uint32, mac string, first, second macflap.Place) {
	t.Helper()
	k := macflap.Key{VNI: vni, MAC: mac}
	now := time.Now()
	cfg := macflap.Config{MaxMoves: 2, Window: time.Minute}
	for i, p := range []macflap.Place{first, second, first} {
		_, f := a.flaps.det.Observe(now.Add(time.Duration(i)*time.Second), map[macflap.Key]macflap.Place{k: p}, cfg)
		if i == 2 && len(f) != 1 {
			t.Fatalf("not frozen: %v", f)
		}
	}
}

func TestFlapWatcherDesiredAndMACs(t *testing.T) {
	a := New(mustConfig(t, baseConfig), nil)
	vtep := macflap.Place{Port: 9, VTEP: netip.MustParseAddr("10.0.0.2")}
	freezeIn(t, a, 10, "02:00:00:00:00:0a", vtep, macflap.Place{Port: 3})
	freezeIn(t, a, 10, "02:00:00:00:00:0b", vtep, macflap.Place{Port: 9, VTEP: netip.MustParseAddr("10.0.0.3")})
	d := a.flaps.desired()
	if len(d) != 2 || d[0].Port != 3 || d[0].VTEP.IsValid() || d[1].Port != 0 || d[1].VTEP != vtep.VTEP {
		t.Fatalf("desired = %+v: want a on port 3 (local over remote), b behind 10.0.0.2 (the first place)", d)
	}
	learned := []api.MACEntry{{VNI: 10, MAC: "02:00:00:00:00:0a", Remote: true, VTEP: "10.0.0.2", Port: "vxlan0", OFPort: 9, Hits: 7},
		{VNI: 10, MAC: "02:00:00:00:00:0c", Port: "c", OFPort: 4}}
	es := a.flaps.markFrozen(learned, 0, trace.Ports{})
	if len(es) != 3 {
		t.Fatalf("entries %+v", es)
	}
	if e := es[0]; !e.Frozen || e.Remote || e.OFPort != 3 || e.Hits != 7 || e.FlappedWith != "VTEP 10.0.0.2" {
		t.Errorf("a: %+v, want frozen on port 3, flapped with VTEP 10.0.0.2", e)
	}
	if e := es[1]; !e.Frozen || !e.Remote || e.VTEP != "10.0.0.2" || e.Port != "vxlan0" || e.FlappedWith != "VTEP 10.0.0.3" {
		t.Errorf("b: %+v, want frozen behind 10.0.0.2 (no learned entry left)", e)
	}
	if es[2].Frozen {
		t.Errorf("c is not frozen: %+v", es[2])
	}
	if got := a.flaps.markFrozen(nil, 20, trace.Ports{}); len(got) != 0 {
		t.Errorf("VNI 20 lists %+v", got)
	}
}

func TestFlushMAC(t *testing.T) {
	a := New(mustConfig(t, baseConfig), nil)
	freezeIn(t, a, 10, "02:00:00:00:00:0a", macflap.Place{Port: 2}, macflap.Place{Port: 3})
	var bad badRequest
	if _, err := a.FlushMAC("nonsense", 0); !errors.As(err, &bad) {
		t.Errorf("bad MAC: %v, want a bad request", err)
	}
	if _, err := a.FlushMAC("02:00:00:00:00:0a", 11); !errors.As(err, &bad) {
		t.Errorf("wrong VNI: %v, want a bad request (not frozen there)", err)
	}
	res, err := a.FlushMAC("02:00:00:00:00:0A", 0)
	if err != nil || len(res.Unfrozen) != 1 || res.Unfrozen[0] != (api.MACKey{VNI: 10, MAC: "02:00:00:00:00:0a"}) {
		t.Fatalf("flush: %+v %v", res, err)
	}
	if len(a.flaps.list()) != 0 || len(a.flaps.desired()) != 0 {
		t.Error("still frozen after flush")
	}
	if _, err := a.FlushMAC("02:00:00:00:00:0a", 0); !errors.As(err, &bad) {
		t.Errorf("second flush: %v, want not frozen", err)
	}
}

func TestFlowMetricsFrozenDrops(t *testing.T) {
	drop := func(table uint8, n uint64) ofapp.FlowStats {
		return ofapp.FlowStats{Flow: ofapp.Flow{Table: table, Cookie: uint64(pipeline.NewCookie(pipeline.FeatureDropFrozenMAC, 10))}, Packets: n}
	}
	if got := FlowMetrics([]ofapp.FlowStats{drop(10, 2), drop(20, 5)}); got.Dropped["frozen-mac"] != 7 {
		t.Errorf("Dropped[frozen-mac] = %d, want 7", got.Dropped["frozen-mac"])
	}
}
