package ofapp

import (
	"strings"
	"testing"
)

// TestDecodeMatchRefusesUnevenMasks: a masked OXM field's value and mask
// have the same length; one that cannot be split so is refused, not
// decoded into a field that cannot be encoded again.
func TestDecodeMatchRefusesUnevenMasks(t *testing.T) {
	oxm := func(class uint16, field byte, masked bool, body ...byte) []byte {
		hm := byte(0)
		if masked {
			hm = 1
		}
		b := []byte{byte(class >> 8), byte(class), field<<1 | hm, byte(len(body))}
		b = append(b, body...)
		m := append([]byte{0, 1, 0, byte(4 + len(b))}, b...)
		for len(m)%8 != 0 {
			m = append(m, 0)
		}
		return m
	}
	tests := []struct {
		name string
		b    []byte
		want string // "" = decodes
	}{
		{"even mask", oxm(0x8000, 6, true, 0, 1, 0xff, 0xff), ""},
		{"odd mask", oxm(0x8000, 6, true, 0, 1, 0xff), "value and mask differ in length"},
		{"odd experimenter mask", oxm(0xffff, 1, true, 0, 0, 0x23, 0x20, 1, 2, 3), "value and mask differ in length"},
	}
	for _, tt := range tests {
		_, _, err := decodeMatch(tt.b)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}
