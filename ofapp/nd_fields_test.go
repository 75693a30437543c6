package ofapp

import (
	"net"
	"net/netip"
	"testing"
)

// TestNDFields: the IPv6 ND match fields print as ovs-ofctl reads them, and
// Ericsson's ND fields have the OXM headers OVS 2.11 gives them (class
// 0x1000, fields 1 and 2).
func TestNDFields(t *testing.T) {
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 0x0b}
	for _, tt := range []struct {
		f    MatchField
		want string
	}{
		{MatchICMPv6Type(135), "icmpv6_type=135"},
		{MatchNDTarget(netip.MustParseAddr("2001:db8::1")), "nd_target=2001:db8::1"},
		{MatchIPv6Src(netip.IPv6Unspecified()), "ipv6_src=::"},
		{MatchNDSLL(mac), "nd_sll=02:00:00:00:00:0b"},
		{MatchNDTLLMasked(mac, net.HardwareAddr{1, 0, 0, 0, 0, 0}), "nd_tll=02:00:00:00:00:0b/01:00:00:00:00:00"},
		{MatchARPSHA(mac), "arp_sha=02:00:00:00:00:0b"},
	} {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("String = %q, want %q", got, tt.want)
		}
	}
	if h := nxmHeader(FieldNDReserved); h != 0x10000204 {
		t.Errorf("nd_reserved header %#x, want 0x10000204", h)
	}
	if h := nxmHeader(FieldNDOptionsType); h != 0x10000401 {
		t.Errorf("nd_options_type header %#x, want 0x10000401", h)
	}
	if f := fieldFromHeader(0x10000401 | 0x100); f != FieldNDOptionsType {
		t.Errorf("header 0x10000501 decodes to %+v", f)
	}
	load := RegLoad{Dst: Whole(FieldNDOptionsType), Value: 2}
	if err := validateAction(load); err != nil || load.String() != "load:0x2->ERICOXM_OF_ICMPV6_ND_OPTIONS_TYPE[]" {
		t.Errorf("%s: %v", load, err)
	}
	if err := validateAction(RegLoad{Dst: Whole(FieldNDOptionsType), Value: 0x100}); err == nil {
		t.Errorf("a 9-bit value loaded into the 8-bit option type")
	}
}
