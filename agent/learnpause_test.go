package agent

import (
	"net"
	"testing"

	"github.com/vtep/vtep/ofapp"
)

// TestPausedPlace names learn-pause entries as OVS returns them: by port
// name when vtepd knows the port, by number otherwise, by VTEP address,
// and says so for a match that is neither.
func TestPausedPlace(t *testing.T) {
	names := map[uint32]string{3: "vm-a"}
	inPort := func(p uint32) ofapp.MatchField {
		return ofapp.MatchField{Class: ofapp.ClassOpenFlowBasic, Field: 0, Value: []byte{byte(p >> 24), byte(p >> 16), byte(p >> 8), byte(p)}}
	}
	tunSrc := ofapp.MatchField{Class: ofapp.ClassNXM1, Field: ofapp.FieldTunIPv4Src.Field, Value: net.IPv4(10, 0, 0, 1).To4()}
	for _, c := range []struct {
		m    ofapp.Match
		want string
	}{
		{ofapp.Match{ofapp.MatchReg(0, 10, 0xffffff), inPort(3)}, "port vm-a"},
		{ofapp.Match{inPort(9)}, "port 9"},
		{ofapp.Match{ofapp.MatchReg(0, 10, 0xffffff), tunSrc}, "vtep 10.0.0.1"},
		{ofapp.Match{{Class: ofapp.ClassNXM1, Field: ofapp.FieldTunIPv4Src.Field, Value: []byte{1, 2}}}, "unknown place tun_src"},
		{nil, "unknown place "},
	} {
		if got := pausedPlace(c.m, names); len(got) < len(c.want) || got[:len(c.want)] != c.want {
			t.Errorf("pausedPlace(%v) = %q, want %q...", c.m, got, c.want)
		}
	}
}
