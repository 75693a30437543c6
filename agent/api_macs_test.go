package agent

import (
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// setFieldReg is an OpenFlow 1.3 set_field of a whole NXM_NX_REGn as the
// switch reports a learned "load:V->NXM_NX_REGn[]".
func setFieldReg(n int, v uint32) ofapp.RawAction {
	return ofapp.RawAction{Bytes: []byte{0, 25, 0, 16, 0, 1, byte(n << 1), 4, byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v), 0, 0, 0, 0}}
}

func learned(f pipeline.Feature, vni uint32, mac string, acts ...ofapp.Action) ofapp.FlowStats {
	hw, _ := net.ParseMAC(mac)
	return ofapp.FlowStats{Flow: ofapp.Flow{Table: pipeline.TableMAC, Priority: 100, HardTimeout: 300,
		Cookie: uint64(pipeline.NewCookie(f, vni)),
		Match:  ofapp.Match{ofapp.MatchReg(0, vni, 0xffffff), ofapp.MatchEthDst(hw)}, Actions: acts},
		Duration: 42 * time.Second, Packets: 7}
}

func TestDecodeLearned(t *testing.T) {
	reg3 := func(p uint64) ofapp.Action {
		return ofapp.RegLoad{Dst: ofapp.Bits(ofapp.FieldReg(3), 0, 16), Value: p}
	}
	tests := []struct {
		name   string
		flow   ofapp.FlowStats
		want   api.MACEntry
		wantOK bool
	}{
		{"remote, reg2 by set_field", learned(pipeline.FeatureLearnedRemote, 10, "02:00:00:00:00:0b", setFieldReg(2, 0x0a000002), reg3(2)),
			api.MACEntry{MAC: "02:00:00:00:00:0b", VNI: 10, Remote: true, VTEP: "10.0.0.2", Port: "vxlan0", OFPort: 2, Age: 42, HardTimeout: 300, Hits: 7}, true},
		{"remote, reg2 by reg_load", learned(pipeline.FeatureLearnedRemote, 10, "02:00:00:00:00:0c",
			ofapp.RegLoad{Dst: ofapp.Whole(ofapp.FieldReg(2)), Value: 0x0a000003}, reg3(2)),
			api.MACEntry{MAC: "02:00:00:00:00:0c", VNI: 10, Remote: true, VTEP: "10.0.0.3", Port: "vxlan0", OFPort: 2, Age: 42, HardTimeout: 300, Hits: 7}, true},
		{"local on a trunk", learned(pipeline.FeatureLearnedLocal, 10, "02:00:00:00:00:0a", setFieldReg(2, 0), reg3(1)),
			api.MACEntry{MAC: "02:00:00:00:00:0a", VNI: 10, Port: "a", OFPort: 1, VLAN: 1, Age: 42, HardTimeout: 300, Hits: 7}, true},
		{"local on an unknown port", learned(pipeline.FeatureLearnedLocal, 10, "02:00:00:00:00:0d", reg3(9)),
			api.MACEntry{MAC: "02:00:00:00:00:0d", VNI: 10, Port: "9", OFPort: 9, Age: 42, HardTimeout: 300, Hits: 7}, true},
		{"programmed flow", learned(pipeline.FeatureMACMiss, 0, "02:00:00:00:00:0a"), api.MACEntry{}, false},
		{"no dl_dst", ofapp.FlowStats{Flow: ofapp.Flow{Cookie: uint64(pipeline.NewCookie(pipeline.FeatureLearnedLocal, 10))}}, api.MACEntry{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := decodeLearned(tt.flow, samplePorts())
			if ok != tt.wantOK || got != tt.want {
				t.Errorf("decodeLearned = %+v, %v; want %+v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestRegLoadIgnoresOtherActions(t *testing.T) {
	for _, a := range []ofapp.Action{
		ofapp.Output{Port: 2},
		ofapp.RegLoad{Dst: ofapp.Whole(ofapp.FieldTunIPv4Dst), Value: 1},
		ofapp.RawAction{Bytes: []byte{0, 25, 0, 16, 0x80, 0, 12, 4, 1, 2, 3, 4, 0, 0, 0, 0}}, // set_field nw_dst
		ofapp.RawAction{Bytes: []byte{0, 25, 0, 8}},
	} {
		if reg, v, ok := regLoad(a); ok {
			t.Errorf("regLoad(%v) = reg%d %d, want not a register load", a, reg, v)
		}
	}
}

func TestFlowMetrics(t *testing.T) {
	fs := []ofapp.FlowStats{
		learned(pipeline.FeatureLearnedRemote, 10, "02:00:00:00:00:0b"),
		learned(pipeline.FeatureLearnedLocal, 10, "02:00:00:00:00:0a"),
		learned(pipeline.FeatureLearnedLocal, 20, "02:00:00:00:00:1a"),
		{Flow: ofapp.Flow{Table: 50, Cookie: uint64(pipeline.NewCookie(pipeline.FeatureFlood, 10).WithDigest(1))}, Packets: 5},
		{Flow: ofapp.Flow{Table: 50, Cookie: uint64(pipeline.NewCookie(pipeline.FeatureFlood, 10).WithDigest(2))}, Packets: 2},
		{Flow: ofapp.Flow{Table: 0, Cookie: uint64(pipeline.NewCookie(pipeline.FeatureDropUnknownVNI, 0))}, Packets: 3},
		{Flow: ofapp.Flow{Table: 0, Cookie: uint64(pipeline.NewCookie(pipeline.FeatureDropUnknownVLAN, 0))}, Packets: 4},
		{Flow: ofapp.Flow{Table: 0, Cookie: uint64(pipeline.NewCookie(pipeline.FeatureDropUntrustedVTEP, 0))}, Packets: 2},
		{Flow: ofapp.Flow{Table: 25, Cookie: uint64(pipeline.NewCookie(pipeline.FeatureMACLimit, 10))}, Packets: 9},
		{Flow: ofapp.Flow{Table: 20, Cookie: uint64(pipeline.NewCookie(pipeline.FeatureLearningPaused, 10))}, Packets: 30},
		{Flow: ofapp.Flow{Table: 5, Cookie: uint64(pipeline.NewCookie(pipeline.FeatureLearnedPause, 10))}},
		{Flow: ofapp.Flow{Table: 5, Cookie: uint64(pipeline.NewCookie(pipeline.FeatureLearnedPause, 10))}},
		{Flow: ofapp.Flow{Table: 0, Cookie: uint64(pipeline.NewCookie(pipeline.FeatureDropUntrustedVTEP, 0).WithDigest(7))}, Packets: 3},
	}
	got := FlowMetrics(fs)
	if got.Learned[10] != 2 || got.Learned[20] != 1 || got.Flooded[10] != 7 || got.Dropped["unknown-vni"] != 3 || got.Dropped["unknown-vlan"] != 4 || got.Dropped["untrusted-vtep"] != 5 || got.Refused[10] != 39 || got.Paused[10] != 2 {
		t.Errorf("FlowMetrics = %+v", got)
	}
	if got.Flows[flowKind{"mac", "learned"}] != 3 || got.Flows[flowKind{"flood", "programmed"}] != 2 || got.Flows[flowKind{"classify", "programmed"}] != 4 {
		t.Errorf("flows per table = %+v", got.Flows)
	}
}

func TestFlowEntryAndQuery(t *testing.T) {
	f := learned(pipeline.FeatureLearnedRemote, 10, "02:00:00:00:00:0b", setFieldReg(2, 0x0a000002))
	e := NewFlowEntry("br-int", api.BridgeOverlay, f)
	if e.TableName != "mac" || e.Feature != "learned-remote" || e.VNI != 10 || !e.Learned || !e.Vtep || e.Packets != 7 || e.Duration != 42 {
		t.Errorf("NewFlowEntry = %+v", e)
	}
	foreign := NewFlowEntry("br-phy", api.BridgeUnderlay, ofapp.FlowStats{Flow: ofapp.Flow{Cookie: 0x1234}})
	if foreign.Vtep || foreign.Feature != "" || foreign.TableName != "underlay" {
		t.Errorf("foreign flow = %+v", foreign)
	}
	for _, tt := range []struct {
		q       string
		wantErr string
	}{
		{"bridge=overlay&vni=10&table=30", ""},
		{"bridge=br-int", `bridge "br-int": want overlay or underlay`},
		{"vni=0", `vni "0": want a number 1..16777215`},
		{"vni=16777216", `vni "16777216"`},
		{"table=255", `table "255": want a number 0..254`},
	} {
		v, _ := url.ParseQuery(tt.q)
		q, err := api.ParseFlowQuery(v)
		if tt.wantErr == "" {
			if err != nil || q.Role != api.BridgeOverlay || q.VNI != 10 || q.Table != 30 {
				t.Errorf("ParseFlowQuery(%q) = %+v, %v", tt.q, q, err)
			}
			if back, err := api.ParseFlowQuery(q.Values()); err != nil || back != q {
				t.Errorf("round trip of %+v = %+v, %v", q, back, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseFlowQuery(%q) error = %v, want %q", tt.q, err, tt.wantErr)
		}
	}
}

// TestMACString: as net.HardwareAddr's String, for 6-byte addresses and
// others.
func TestMACString(t *testing.T) {
	for _, hw := range []net.HardwareAddr{
		{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0, 0, 0, 0, 0, 0},
		{0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67}, {}, nil,
	} {
		if got, want := macString(hw), hw.String(); got != want {
			t.Errorf("macString(%v) = %q, want %q", []byte(hw), got, want)
		}
	}
}
