package agent

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/vtep/vtep/underlay"
)

// TestUnderlayGateways: the gateways to keep are those of the kernel's
// routes through the underlay bridge, each once; vtepd's group routes
// (placeholders pinned to group MACs), routes without a gateway, routes of
// other devices and IPv6 gateways are not.
func TestUnderlayGateways(t *testing.T) {
	show := `Route Table:
Cached: 10.0.1.11/32 dev br-phy SRC 10.0.1.11 local
User: 239.1.1.1/32 dev br-phy GW 10.0.1.254 SRC 10.0.1.11
Cached: 10.0.1.0/24 dev br-phy SRC 10.0.1.11
Cached: 0.0.0.0/0 dev br-phy GW 10.0.1.1 SRC 10.0.1.11
Cached: 10.9.0.0/16 dev br-phy GW 10.0.1.1 SRC 10.0.1.11
Cached: 10.8.0.0/16 dev br-phy GW 10.0.1.2 SRC 10.0.1.11
Cached: 0.0.0.0/0 dev eth9 GW 192.168.0.1 SRC 192.168.0.5
Cached: ::/0 dev br-phy GW fe80::1 SRC fe80::2
garbage line
`
	got := underlayGateways(underlay.ParseRoutes(show), "br-phy")
	want := []netip.Addr{netip.MustParseAddr("10.0.1.1"), netip.MustParseAddr("10.0.1.2")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("underlayGateways = %v, want %v", got, want)
	}
	if got := underlayGateways(nil, "br-phy"); len(got) != 0 {
		t.Errorf("no routes: %v", got)
	}
}
