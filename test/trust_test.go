package test

import (
	"net"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// TestUntrustedVTEPCannotHijack runs labs/figure4.yaml with
// underlay.trusted_vteps set to the three hypervisors, plus an attacker
// (10.0.0.66) on the underlay. It sends VXLAN frames in VNI 10 whose inner
// source is VM b's MAC, unicast to hv1 and to the group, while a pings b.
// No VTEP learns b behind the attacker, every frame is dropped in classify
// and counted by the drop-untrusted-vtep flows, and a's ping loses nothing.
func TestUntrustedVTEPCannotHijack(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", func(f *labs.File) {
		f.VTEP.TrustedVTEPs = []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}
		f.PhysicalVTEPs = append(f.PhysicalVTEPs, labs.FilePhysicalVTEP{Name: "evil", VTEPIP: "10.0.0.66/24"})
	})
	mustPing(t, r, "a", "192.168.10.2", 3)
	want := map[string]uint64{}
	for _, hv := range hypervisors(r) {
		want[hv] = droppedBy(t, r, hv, uint8(pipeline.FeatureDropUntrustedVTEP))
	}

	victim, _ := net.ParseMAC("02:00:00:00:00:0b")
	spoof := vxlanPayload(t, 10, arpRequest(t, victim, net.IPv4(192, 168, 10, 2), net.IPv4(192, 168, 10, 1)))
	attacker := net.IPv4(10, 0, 0, 66)
	pinged := make(chan error, 1)
	go func() { pinged <- ping(t, r, "a", "192.168.10.2", 20) }()
	const rounds, perRound = 5, 4
	for range rounds {
		sendUDP(t, r, "evil", attacker, net.IPv4(10, 0, 0, 1), 4789, spoof, perRound)
		sendUDP(t, r, "evil", attacker, net.IPv4(239, 1, 1, 1), 4789, spoof, perRound)
		time.Sleep(300 * time.Millisecond) // spread the attack over the ping's 4 s
	}
	if err := <-pinged; err != nil {
		t.Errorf("a -> b during the attack: %v", err)
	}
	want["hv1"] += 2 * rounds * perRound // unicast and group
	want["hv2"] += rounds * perRound
	want["hv3"] += rounds * perRound
	got := map[string]uint64{}
	err := labs.WaitFor(ctxT(t, 10*time.Second), 200*time.Millisecond, func() (bool, error) {
		for _, hv := range hypervisors(r) {
			got[hv] = droppedBy(t, r, hv, uint8(pipeline.FeatureDropUntrustedVTEP))
		}
		return got["hv1"] >= want["hv1"] && got["hv2"] >= want["hv2"] && got["hv3"] >= want["hv3"], nil
	})
	for _, hv := range hypervisors(r) {
		if err != nil || got[hv] != want[hv] {
			t.Errorf("%s: drop-untrusted-vtep counted %d packets, want %d", hv, got[hv], want[hv])
		}
	}
	checkMACs(t, r, "hv1", macEntry{10, "02:00:00:00:00:0a", "local"}, macEntry{10, "02:00:00:00:00:0b", "10.0.0.2"})
	checkMACs(t, r, "hv2", macEntry{10, "02:00:00:00:00:0a", "10.0.0.1"}, macEntry{10, "02:00:00:00:00:0b", "local"})
	checkMACs(t, r, "hv3", macEntry{10, "02:00:00:00:00:0a", "10.0.0.1"})
	checkNoPacketIns(t, r)
}
