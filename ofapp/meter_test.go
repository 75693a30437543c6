package ofapp

import (
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"
)

// meterConfigBody is a meter config reply body for m, as OVS sends it.
func meterConfigBody(m MeterEntry) []byte {
	b := put16(nil, 24)
	b = put16(b, meterFlags)
	b = put32(b, m.ID)
	b = put16(b, bandDrop)
	b = put16(b, 16)
	b = put32(b, m.PPS)
	b = put32(b, m.Burst)
	return append(b, 0, 0, 0, 0)
}

// meterStatsBody is a meter stats reply body for meter id with one band.
func meterStatsBody(id uint32, in, dropped uint64) []byte {
	b := put32(nil, id)
	b = put16(b, 56)
	b = append(b, 0, 0, 0, 0, 0, 0)
	b = put32(b, 1)
	b = put64(b, in)
	b = put64(b, in*60)
	b = put32(b, 3)
	b = put32(b, 500)
	b = put64(b, dropped)
	return put64(b, dropped*60)
}

// ofpPrint decodes an OpenFlow message with ovs-ofctl, the reference.
func ofpPrint(t *testing.T, msg []byte) string {
	t.Helper()
	if _, err := exec.LookPath("ovs-ofctl"); err != nil {
		t.Skip("ovs-ofctl not installed")
	}
	out, err := exec.Command("ovs-ofctl", "ofp-print", hex.EncodeToString(msg)).CombinedOutput()
	if err != nil {
		t.Fatalf("ovs-ofctl ofp-print: %v\n%s", err, out)
	}
	return string(out)
}

func TestMeterModMatchesOvsOfctl(t *testing.T) {
	m := MeterEntry{ID: 10, PPS: 1000, Burst: 100}
	want := map[uint16]struct {
		hex, text string
	}{
		meterAdd:    {"041d0020000000070000000e0000000a00010010000003e80000006400000000", "ADD meter=10 pktps burst stats bands=\ntype=drop rate=1000 burst_size=100"},
		meterModify: {"041d0020000000070001000e0000000a00010010000003e80000006400000000", "MOD meter=10 pktps burst stats bands=\ntype=drop rate=1000 burst_size=100"},
		meterDelete: {"041d001000000007000200000000000a", "DEL meter=10"},
	}
	for cmd, w := range want {
		b, err := appendMeterMod(nil, 7, &m, cmd)
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(b); got != w.hex {
			t.Errorf("command %d: bytes %s, want %s", cmd, got, w.hex)
		}
		if got := ofpPrint(t, b); !strings.Contains(got, w.text) {
			t.Errorf("command %d: ovs-ofctl reads\n%s\nwant it to contain\n%s", cmd, got, w.text)
		}
	}
}

func TestMeterInstructionRoundTrip(t *testing.T) {
	f := Flow{Table: 50, Priority: 100, Cookie: 0x12, Match: Match{MatchInPort(3)}, Meter: 4097,
		Actions: []Action{Output{Port: 2}}}
	if got, want := f.ActionsString(), "meter:4097,output:2"; got != want {
		t.Errorf("ActionsString = %q, want %q", got, want)
	}
	msg, err := appendFlowMod(nil, 1, &f, flowAdd)
	if err != nil {
		t.Fatal(err)
	}
	if got := ofpPrint(t, msg); !strings.Contains(got, "actions=meter:4097,output:2") {
		t.Errorf("ovs-ofctl reads %s", got)
	}
	lof, err := ofFlowMod(1, &f, flowAdd)
	if err != nil {
		t.Fatal(err)
	}
	if lb, _ := appendMarshal(nil, lof); hex.EncodeToString(lb) != hex.EncodeToString(msg) {
		t.Errorf("libOpenflow's FLOW_MOD with InstrMeter\n%x\ndiffers from the hand-written one\n%x", lb, msg)
	}
	ins, err := appendInstructions(nil, &f)
	if err != nil {
		t.Fatal(err)
	}
	var back Flow
	if err := decodeInstructions(ins, &back); err != nil {
		t.Fatal(err)
	}
	if back.Meter != 4097 || back.ActionsString() != f.ActionsString() {
		t.Errorf("decoded %q meter %d, want %q", back.ActionsString(), back.Meter, f.ActionsString())
	}
	if err := decodeInstructions(ins[:4:4], &back); err == nil {
		t.Error("short meter instruction decoded")
	}
	bad := append([]byte(nil), ins...)
	bad[3] = 16
	if err := decodeInstructions(bad[:16], &back); err == nil {
		t.Error("meter instruction of 16 bytes decoded")
	}
}

func TestDecodeMeterReplies(t *testing.T) {
	m := MeterEntry{ID: 5000, PPS: 200, Burst: 20}
	byID := map[uint32]*MeterStats{}
	if err := decodeMeterConfigs(append(meterConfigBody(m), meterConfigBody(MeterEntry{ID: 7, PPS: 1, Burst: 10})...), byID); err != nil {
		t.Fatal(err)
	}
	if err := decodeMeterStats(meterStatsBody(5000, 900, 650), byID); err != nil {
		t.Fatal(err)
	}
	got := sortedMeters(byID)
	if len(got) != 2 || got[1].MeterEntry != m || !got[1].Same(m) || got[1].Packets != 900 || got[1].Dropped != 650 || got[1].FlowCount != 1 {
		t.Fatalf("decoded %+v", got)
	}
	if got[1].Same(MeterEntry{ID: 5000, PPS: 201, Burst: 20}) {
		t.Error("a meter of another rate is the same")
	}
	for name, body := range map[string][]byte{
		"config short":      meterConfigBody(m)[:6],
		"config length":     append(put16(nil, 4), meterConfigBody(m)[2:]...),
		"band short":        meterConfigBody(m)[:20],
		"band length":       func() []byte { b := meterConfigBody(m); b[11] = 40; return b }(),
		"stats short":       meterStatsBody(1, 1, 1)[:39],
		"stats band length": func() []byte { b := meterStatsBody(1, 1, 1); b[5] = 50; return b[:50] }(),
	} {
		decode := decodeMeterConfigs
		if strings.HasPrefix(name, "stats") {
			decode = decodeMeterStats
		}
		if err := decode(body, map[uint32]*MeterStats{}); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func TestMeterBatchOrder(t *testing.T) {
	var b Batch
	b.DeleteMeters(3)
	b.AddFlows(Flow{Table: 1, Meter: 2})
	b.AddMeters(MeterEntry{ID: 2, PPS: 10, Burst: 10})
	b.ModifyMeters(MeterEntry{ID: 1, PPS: 20, Burst: 10})
	var ops []string
	for _, c := range b.Changes() {
		ops = append(ops, c.Op)
	}
	if got, want := strings.Join(ops, ","), "add meter,modify meter,add flow,delete meter"; got != want {
		t.Errorf("changes %s, want %s", got, want)
	}
	if b.Len() != 4 || b.bundleLen() != 1 {
		t.Errorf("Len %d bundleLen %d", b.Len(), b.bundleLen())
	}
	b.Reset()
	if b.Len() != 0 {
		t.Error("Reset kept meters")
	}
}
