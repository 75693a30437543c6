package ofapp

import (
	"encoding/hex"
	"reflect"
	"testing"
)

// TestCheckPktLargerRoundTrip encodes check_pkt_larger in OVS's struct
// nx_action_check_pkt_larger layout and decodes it back.
func TestCheckPktLargerRoundTrip(t *testing.T) {
	a := CheckPktLarger{Len: 1464, Dst: Bits(FieldReg(1), 5, 1)}
	b, err := appendAction(nil, a)
	if err != nil {
		t.Fatal(err)
	}
	want := "ffff0018" + "00002320" + "0031" + "05b8" + "0005" + "00010204" + "000000000000"
	if got := hex.EncodeToString(b); got != want {
		t.Errorf("encoded %s, want %s", got, want)
	}
	got, err := decodeActions(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !reflect.DeepEqual(got[0], Action(a)) {
		t.Errorf("decoded %v, want %v", got, a)
	}
	if s := a.String(); s != "check_pkt_larger(1464)->NXM_NX_REG1[5]" {
		t.Errorf("String() = %q", s)
	}
}

func TestCheckPktLargerInvalid(t *testing.T) {
	for _, a := range []CheckPktLarger{
		{Len: 1500, Dst: Bits(FieldReg(1), 0, 2)},  // two bits
		{Len: 1500, Dst: Bits(FieldReg(1), 32, 1)}, // beyond the field
	} {
		if _, err := appendAction(nil, a); err == nil {
			t.Errorf("%v encoded, want an error", a)
		}
	}
	// A result the model cannot hold decodes raw, not as an error.
	b := []byte{0xff, 0xff, 0, 24, 0, 0, 0x23, 0x20, 0, 49, 5, 0xb8, 0, 40, 0, 1, 2, 4, 0, 0, 0, 0, 0, 0}
	got, err := decodeActions(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got[0].(RawAction); !ok {
		t.Errorf("bit 40 of a 32-bit register decoded as %v, want raw", got[0])
	}
	if _, err := decodeActions(append(b[:2:2], 0, 16, 0, 0, 0x23, 0x20, 0, 49, 0, 0, 0, 0, 0, 0)); err == nil {
		t.Error("a 16-byte check_pkt_larger decoded, want an error")
	}
}
