package ofapp_test

import (
	"testing"

	"github.com/vtep/vtep/ofapp"
)

func TestOFErrorHelloFailedText(t *testing.T) {
	for _, tt := range []struct {
		data []byte
		want string
	}{
		{[]byte("vtep speaks OpenFlow 1.3 (0x04) only; peer offered 0x01"),
			"OFPET_HELLO_FAILED/OFPHFC_INCOMPATIBLE: vtep speaks OpenFlow 1.3 (0x04) only; peer offered 0x01"},
		{[]byte("no common version\x00\x00\x00"), "OFPET_HELLO_FAILED/OFPHFC_INCOMPATIBLE: no common version"},
		{[]byte("bad\x01\xffbyte"), "OFPET_HELLO_FAILED/OFPHFC_INCOMPATIBLE: bad??byte"},
		{nil, "OFPET_HELLO_FAILED/OFPHFC_INCOMPATIBLE"},
	} {
		e := &ofapp.OFError{Type: ofapp.ErrTypeHelloFailed, Data: tt.data}
		if got := e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
