package ofapp

import (
	"testing"
)

// TestLearn2PipelineShapes: every learn action the pipeline makes with a MAC
// limit decodes back to itself, whatever padding its specs leave. A LEARN2
// action whose specs end 4 bytes short of an 8-byte boundary used to fail
// to decode (libOpenflow refused the 8 bytes of padding the rewrite into
// LEARN left), and with it every flow-stats read of the bridge.
func TestLearn2PipelineShapes(t *testing.T) {
	vni := Bits(FieldReg(0), 0, 24)
	match := []LearnSpec{LearnMatchField{Dst: vni, Src: vni}, LearnMatchField{Dst: Whole(FieldEthDst), Src: Whole(FieldEthSrc)}}
	port := LearnLoadField{Src: Whole(FieldInPort), Dst: Bits(FieldReg(3), 0, 16)}
	tests := []struct {
		name  string
		specs []LearnSpec
	}{
		{"remote", append(append([]LearnSpec{}, match...), LearnLoadField{Src: Whole(FieldTunIPv4Src), Dst: Whole(FieldReg(2))}, port)},
		{"local", append(append([]LearnSpec{}, match...), LearnLoadValue{Dst: Whole(FieldReg(2)), Value: 0}, port)},
		{"one spec", []LearnSpec{LearnMatchField{Dst: vni, Src: vni}}},
		{"output", append(append([]LearnSpec{}, match...), LearnOutputField{Src: Whole(FieldInPort)})},
	}
	for _, tt := range tests {
		for _, withResult := range []bool{false, true} {
			want := Learn{Table: 30, Priority: 100, HardTimeout: 300, Cookie: 0xc1, Specs: tt.specs, Limit: 100}
			if withResult {
				want.ResultDst = Bits(FieldReg(1), 1, 1)
			}
			b, err := appendLearn(nil, want)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeAction(b[:len(b):len(b)])
			if err != nil || got == nil {
				t.Errorf("%s (result %v, %d bytes): decode: %v", tt.name, withResult, len(b), err)
				continue
			}
			if got.String() != want.String() {
				t.Errorf("%s (result %v):\n got %s\nwant %s", tt.name, withResult, got, want)
			}
		}
	}
}

func TestLearnSpecsLen(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want int
		ok   bool
	}{
		{"empty", nil, 0, true},
		{"padding only", make([]byte, 8), 0, true},
		// field to field match: header, src (4+2), dst (4+2)
		{"one match", append([]byte{0x00, 0x18, 0, 1, 0, 4, 0, 0, 0, 1, 0, 4, 0, 0}, 0, 0, 0, 0), 14, true},
		// immediate of 32 bits loaded: header, value (4), dst (4+2)
		{"immediate", []byte{0x28, 0x20, 0, 0, 0, 0, 0, 1, 4, 4, 0, 0}, 12, true},
		{"cut short", []byte{0x00, 0x18, 0, 1, 0, 4}, 0, false},
		{"reserved destination", []byte{0x18, 0x18, 0, 1, 0, 4, 0, 0}, 0, false},
	}
	for _, tt := range tests {
		n, ok := learnSpecsLen(tt.b)
		if n != tt.want || ok != tt.ok {
			t.Errorf("%s: learnSpecsLen = %d, %v; want %d, %v", tt.name, n, ok, tt.want, tt.ok)
		}
	}
}
