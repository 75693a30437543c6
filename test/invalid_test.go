package test

import (
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// TestInvalidSourcesDropped runs labs/figure4.yaml (VM a on a trunk of
// VLAN 1, its tagger pushing the tag). a sends frames with an all-zero, a
// multicast and a broadcast source MAC, and frames with a second tag
// (802.1ad and 802.1Q) inside VLAN 1: hv1 drops each in classify and
// counts it by reason, no VTEP learns a MAC from them, and none reaches
// another VTEP.
func TestInvalidSourcesDropped(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	mustPing(t, r, "a", "192.168.10.2", 2)
	before := map[string]map[pipeline.Feature]uint64{}
	feats := []pipeline.Feature{pipeline.FeatureDropInvalidSource, pipeline.FeatureDropStackedVLAN}
	for _, hv := range hypervisors(r) {
		before[hv] = map[pipeline.Feature]uint64{}
		for _, f := range feats {
			before[hv][f] = droppedBy(t, r, hv, uint8(f))
		}
	}
	bcast := net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	aMAC, _ := net.ParseMAC("02:00:00:00:00:0a")
	const n = 5
	var frames [][]byte
	for range n {
		frames = append(frames,
			ethernet(t, net.HardwareAddr{0, 0, 0, 0, 0, 0}, bcast),
			ethernet(t, net.HardwareAddr{0x01, 0x00, 0x5e, 0x01, 0x02, 0x03}, bcast),
			ethernet(t, bcast, bcast),
			ethernet(t, aMAC, bcast, vlanTag{layers.EthernetTypeQinQ, 7}),
			ethernet(t, aMAC, bcast, vlanTag{layers.EthernetTypeDot1Q, 7}))
	}
	wire := capture(t, r, "ul", "hv1", "udp port 4789")
	sendFrames(t, r, "a", "eth0", frames...)
	want := map[pipeline.Feature]uint64{pipeline.FeatureDropInvalidSource: 3 * n, pipeline.FeatureDropStackedVLAN: 2 * n}
	got := map[pipeline.Feature]uint64{}
	err := labs.WaitFor(ctxT(t, 10*time.Second), 200*time.Millisecond, func() (bool, error) {
		for _, f := range feats {
			got[f] = droppedBy(t, r, "hv1", uint8(f)) - before["hv1"][f]
		}
		return got[feats[0]] >= want[feats[0]] && got[feats[1]] >= want[feats[1]], nil
	})
	for _, f := range feats {
		if err != nil || got[f] != want[f] {
			t.Errorf("hv1: %s counted %d frames, want %d", f, got[f], want[f])
		}
	}
	// A valid broadcast from a afterwards goes out: the capture saw the path working.
	sendFrames(t, r, "a", "eth0", ethernet(t, aMAC, bcast))
	waitLine(t, wire, "a's valid broadcast on the wire", "> 239.1.1.1.4789")
	lines := wire.Stop()
	checkCount(t, "frames to the group", lines, 1, "> 239.1.1.1.4789")
	for _, hv := range []string{"hv2", "hv3"} {
		for _, f := range feats {
			if d := droppedBy(t, r, hv, uint8(f)) - before[hv][f]; d != 0 {
				t.Errorf("%s: %s counted %d frames, want 0 (none left hv1)", hv, f, d)
			}
		}
	}
	checkMACs(t, r, "hv1", macEntry{10, "02:00:00:00:00:0a", "local"}, macEntry{10, "02:00:00:00:00:0b", "10.0.0.2"})
	checkMACs(t, r, "hv2", macEntry{10, "02:00:00:00:00:0a", "10.0.0.1"}, macEntry{10, "02:00:00:00:00:0b", "local"})
	checkNoPacketIns(t, r)
}
