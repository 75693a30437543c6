package pipeline

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/vtep/vtep/pipeline/pipelinetest"
)

// pauseFabric is 10.0.0.1 (a1 on vm1 and a2 on vm2 in VNI 10) and
// 10.0.0.3 (a3 on vm1), VNI 10 limited to max MACs.
func pauseFabric(t *testing.T, max uint32, a1 Port) *fabric {
	n10 := limited(vniNet(10, 1, "239.1.1.1"), max)
	return newFabric(t, map[string]State{
		"10.0.0.1": testState(vtepConfig(t, "10.0.0.1", n10), a1, Port{Name: "a2", OFPort: vm2, Tag: 1}),
		"10.0.0.3": testState(vtepConfig(t, "10.0.0.3", n10), Port{Name: "a3", OFPort: vm1, Tag: 1}),
	})
}

func floodMAC(i int) net.HardwareAddr {
	return net.HardwareAddr{0x02, 0xee, 0, 0, byte(i >> 8), byte(i)}
}

// last runs p into sw and returns the feature of the learning table's flow
// it passed (tunnel-in or local-in) and where it went.
func learningStep(t *testing.T, sw *pipelinetest.Switch, p pipelinetest.Packet) (Feature, pipelinetest.Trace) {
	t.Helper()
	tr, err := sw.Run(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []uint8{TableLocalIn, TableTunnelIn} {
		if hit, ok := tr.Hit(table); ok {
			return Cookie(hit.Cookie).Feature(), tr
		}
	}
	t.Fatalf("%v passed no learning table: %v", p, tr.Flows)
	return 0, tr
}

// TestLearningPausesAtTheLimit floods VNI 10 (max_macs 5) with new sources
// from a1: the refusal after a burst of PauseBurst pauses a1 on 10.0.0.1
// and 10.0.0.1 on 10.0.0.3; later frames skip the learn action
// (learning-paused, counted) but still flood; a2 and other VTEPs keep
// learning; a zero source is still dropped; the pause ends after
// LearnPauseSeconds and the next burst starts another.
func TestLearningPausesAtTheLimit(t *testing.T) {
	f := pauseFabric(t, 5, Port{Name: "a1", OFPort: vm1, Tag: 1})
	const sent = 5 + PauseBurst + 10
	for i := range sent {
		if got := f.send("10.0.0.1", frame(vm1, 0, floodMAC(i), broadcast)); len(got) != 2 {
			t.Fatalf("frame %d reached %v, want a2 and a3 (flooded)", i, got)
		}
	}
	for ip, sw := range f.vteps {
		if n := countFeature(sw, TableLearnPause, FeatureLearnedPause, 10); n != 1 {
			t.Errorf("%s holds %d pause entries, want 1", ip, n)
		}
		if got := refusedFrames(sw, 10); got != sent-5 {
			t.Errorf("%s counted %d frames not learned, want %d", ip, got, sent-5)
		}
		if n := countFeature(sw, TableMACRefused, FeatureLearnedRefused, 10); n != PauseBurst {
			t.Errorf("%s holds %d records of refused sources, want PauseBurst (%d)", ip, n, PauseBurst)
		}
	}
	sw1, sw3 := f.vteps["10.0.0.1"], f.vteps["10.0.0.3"]
	if feat, _ := learningStep(t, sw1, frame(vm1, 0, floodMAC(100), broadcast)); feat != FeatureLearningPaused {
		t.Errorf("a1's next new source passed %s, want learning-paused", feat)
	}
	if feat, _ := learningStep(t, sw3, tunnelFrame("10.0.0.1", floodMAC(101))); feat != FeatureLearningPaused {
		t.Errorf("10.0.0.1's next new source on 10.0.0.3 passed %s, want learning-paused", feat)
	}
	// Other places still learn: a2 locally, another VTEP remotely.
	if feat, _ := learningStep(t, sw1, frame(vm2, 0, macB, broadcast)); feat != FeatureLearnLocal {
		t.Errorf("a2 passed %s, want learn-local", feat)
	}
	if feat, _ := learningStep(t, sw3, tunnelFrame("10.0.0.2", macB)); feat != FeatureLearnRemote {
		t.Errorf("10.0.0.2's frame on 10.0.0.3 passed %s, want learn-remote", feat)
	}
	// A paused place's invalid source is still dropped.
	if feat, tr := learningStep(t, sw1, frame(vm1, 0, net.HardwareAddr{0, 0, 0, 0, 0, 0}, broadcast)); feat != FeatureDropInvalidSource || len(tr.Outputs) != 0 {
		t.Errorf("a zero source from paused a1 passed %s to %v, want dropped", feat, tr.Outputs)
	}
	// Learned entries keep working while paused.
	if got := f.send("10.0.0.3", frame(vm1, 0, macC, floodMAC(2))); len(got) != 1 || len(f.tunnel) != 1 || f.tunnel[0].TunDst.IsMulticast() {
		t.Errorf("unicast to a MAC learned before the pause reached %v via %v, want a1 by unicast", got, f.tunnel)
	}
	f.advance(LearnPauseSeconds*time.Second + time.Second)
	if feat, _ := learningStep(t, sw1, frame(vm1, 0, floodMAC(2), broadcast)); feat != FeatureLearnLocal {
		t.Errorf("after the pause a1's known source passed %s, want learn-local (refreshed)", feat)
	}
	for i := range PauseBurst + 1 {
		learningStep(t, sw1, frame(vm1, 0, floodMAC(200+i), broadcast))
	}
	if feat, _ := learningStep(t, sw1, frame(vm1, 0, floodMAC(300), broadcast)); feat != FeatureLearningPaused {
		t.Errorf("after a new burst a1 passed %s, want learning-paused again", feat)
	}
}

// TestOneSourceTooManyNeverPauses: a VM sending from one MAC beyond its
// network's limit (and another VTEP's one) is refused again and again, but
// that is no burst: nothing pauses, and the port's learned MACs keep being
// refreshed by their frames.
func TestOneSourceTooManyNeverPauses(t *testing.T) {
	f := pauseFabric(t, 3, Port{Name: "a1", OFPort: vm1, Tag: 1})
	for i := range 3 {
		f.send("10.0.0.1", frame(vm1, 0, floodMAC(i), broadcast))
	}
	extra := floodMAC(99)
	for round := range 4 * PauseBurst {
		f.send("10.0.0.1", frame(vm1, 0, extra, broadcast))
		if round%PauseBurst == 0 {
			f.advance(time.Second)
		}
	}
	for ip, sw := range f.vteps {
		if n := countFeature(sw, TableLearnPause, FeatureLearnedPause, 10); n != 0 {
			t.Errorf("%s paused %d places after one source refused %d times, want none", ip, n, 4*PauseBurst)
		}
		if got := refusedFrames(sw, 10); got != 4*PauseBurst {
			t.Errorf("%s counted %d refused frames, want %d", ip, got, 4*PauseBurst)
		}
	}
	if feat, _ := learningStep(t, f.vteps["10.0.0.1"], frame(vm1, 0, floodMAC(1), broadcast)); feat != FeatureLearnLocal {
		t.Errorf("a learned source of a1 passed %s, want learn-local (refreshed)", feat)
	}
}

// TestSecuredPortNeverPauses: a secured port allowed more MACs than the
// limit has its extra MACs refused, but its frames keep passing its exact
// source checks (another source is still dropped), never a pause.
func TestSecuredPortNeverPauses(t *testing.T) {
	allowed := []net.HardwareAddr{floodMAC(1), floodMAC(2), floodMAC(3)}
	f := pauseFabric(t, 2, Port{Name: "a1", OFPort: vm1, Tag: 1, Secured: true, AllowedMACs: allowed})
	sw := f.vteps["10.0.0.1"]
	for round := range 3 {
		for _, m := range allowed {
			if feat, tr := learningStep(t, sw, frame(vm1, 0, m, broadcast)); feat != FeatureLearnLocal || len(tr.Outputs) == 0 {
				t.Fatalf("round %d: allowed %s passed %s to %v, want learn-local and forwarded", round, m, feat, tr.Outputs)
			}
		}
	}
	if !droppedByPortSecurity(t, sw, frame(vm1, 0, macB, broadcast)) {
		t.Error("a secured port's other source was not dropped after refusals")
	}
}

// TestPauseEntriesBounded: spoofed outer sources cannot grow learn-pause
// beyond pauseLimit entries per VNI (without trusted_vteps, anyone can
// send VXLAN to a VTEP).
func TestPauseEntriesBounded(t *testing.T) {
	f := pauseFabric(t, 1, Port{Name: "a1", OFPort: vm1, Tag: 1})
	sw := f.vteps["10.0.0.3"]
	for i := range PauseBurst + pauseLimit + 50 {
		src := fmt.Sprintf("172.16.%d.%d", i>>8, i&0xff)
		if _, err := sw.Run(tunnelFrame(src, floodMAC(i))); err != nil {
			t.Fatal(err)
		}
	}
	if n := countFeature(sw, TableLearnPause, FeatureLearnedPause, 10); n != pauseLimit {
		t.Errorf("learn-pause holds %d entries after %d spoofed VTEPs, want the bound %d", n, PauseBurst+pauseLimit+50, pauseLimit)
	}
}
