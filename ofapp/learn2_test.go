package ofapp

import (
	"encoding/hex"
	"reflect"
	"testing"
)

func learn2Sample() Learn {
	return Learn{Table: 30, Priority: 100, HardTimeout: 300, Cookie: 0xc10000000000000a, Limit: 100,
		ResultDst: Bits(FieldReg(1), 1, 1), Specs: []LearnSpec{
			LearnMatchField{Dst: Bits(FieldReg(0), 0, 24), Src: Bits(FieldReg(0), 0, 24)},
			LearnMatchField{Dst: Whole(FieldEthDst), Src: Whole(FieldEthSrc)},
			LearnLoadField{Src: Whole(FieldInPort), Dst: Bits(FieldReg(3), 0, 16)},
		}}
}

// TestLearn2RoundTrip encodes learn actions with limit and result_dst as
// NXAST_LEARN2 and decodes them back to the same action; a plain learn
// stays NXAST_LEARN.
func TestLearn2RoundTrip(t *testing.T) {
	limitOnly := learn2Sample()
	limitOnly.ResultDst = FieldRange{}
	plain := learn2Sample()
	plain.Limit, plain.ResultDst = 0, FieldRange{}
	for _, tt := range []struct {
		name    string
		a       Learn
		subtype uint16
	}{{"limit and result_dst", learn2Sample(), nxastLearn2}, {"limit only", limitOnly, nxastLearn2}, {"plain", plain, nxastLearn}} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := appendAction(nil, tt.a)
			if err != nil {
				t.Fatal(err)
			}
			if len(b)%8 != 0 || int(be.Uint16(b[2:])) != len(b) || be.Uint16(b[8:]) != tt.subtype {
				t.Fatalf("encoded %s: length %d (field %d), subtype %d; want a padded action of subtype %d", hex.EncodeToString(b), len(b), be.Uint16(b[2:]), be.Uint16(b[8:]), tt.subtype)
			}
			got, err := decodeActions(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], Action(tt.a)) {
				t.Errorf("decoded %v, want %v", got, tt.a)
			}
		})
	}
}

// TestLearn2Wire checks the NXAST_LEARN2 layout against OVS's struct
// nx_action_learn2: limit and result_dst_ofs after the 32-byte header, the
// result_dst NXM header with NX_LEARN_F_WRITE_RESULT, then the specs.
func TestLearn2Wire(t *testing.T) {
	b, err := appendAction(nil, learn2Sample())
	if err != nil {
		t.Fatal(err)
	}
	if flags := be.Uint16(b[24:]); flags != learnFlagWriteResult {
		t.Errorf("flags 0x%x, want NX_LEARN_F_WRITE_RESULT", flags)
	}
	if limit, ofs := be.Uint32(b[32:]), be.Uint16(b[36:]); limit != 100 || ofs != 1 {
		t.Errorf("limit %d, result_dst_ofs %d; want 100, 1", limit, ofs)
	}
	if h := be.Uint32(b[40:]); h != 0x00010204 { // NXM_NX_REG1
		t.Errorf("result_dst header 0x%08x, want 0x00010204 (NXM_NX_REG1)", h)
	}
	if spec := be.Uint16(b[44:]); spec != 24 { // match, field source, 24 bits
		t.Errorf("first spec header 0x%04x, want 24", spec)
	}
}

func TestLearn2DecodeRejects(t *testing.T) {
	b, err := appendAction(nil, learn2Sample())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeActions(b[:32:32]); err == nil {
		t.Errorf("a 32-byte learn2 action decoded without error")
	}
	wide := append([]byte(nil), b...)
	be.PutUint16(wide[36:], 32) // result_dst_ofs beyond the register
	if got, err := decodeActions(wide); err != nil || len(got) != 1 {
		t.Fatalf("decode: %v %v", got, err)
	} else if _, isRaw := got[0].(RawAction); !isRaw {
		t.Errorf("result_dst outside its field decoded as %v, want a raw action", got[0])
	}
	if err := validateAction(Learn{ResultDst: Bits(FieldReg(1), 0, 2)}); err == nil {
		t.Errorf("a two-bit result_dst validated")
	}
}
