package agent

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/vtep/vtep/pipeline"
)

func TestDesiredFromConfig(t *testing.T) {
	cfg := mustConfig(t, baseConfig+`    subnets: [192.168.10.0/24]
mac_ageing: 42s
max_macs: 300
max_macs_per_port: 20
flood:
  mode: replication
  peers: [10.0.0.2]
`)
	got := Desired(cfg)
	want := pipeline.Desired{
		Networks:       []pipeline.Network{{VNI: 10, VLAN: 1, Group: netip.MustParseAddr("239.1.1.1"), Subnets: []netip.Prefix{netip.MustParsePrefix("192.168.10.0/24")}, MaxMACs: 300}},
		Replication:    true,
		Peers:          []netip.Addr{netip.MustParseAddr("10.0.0.2")},
		LocalIP:        netip.MustParseAddr("10.0.0.1"),
		UDPPort:        4789,
		MACAgeing:      42,
		MaxMACsPerPort: 20,
		RestrictVTEPs:  true,
		TrustedVTEPs:   []netip.Prefix{netip.MustParsePrefix("10.0.0.2/32")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Desired =\n%+v\nwant\n%+v", got, want)
	}
	// The desired state owns its slices: changing it leaves the configuration alone.
	got.Peers[0] = netip.MustParseAddr("10.9.9.9")
	got.Networks[0].Subnets[0] = netip.MustParsePrefix("10.9.0.0/16")
	if cfg.Flood.Peers[0].String() != "10.0.0.2" || cfg.Networks[0].Subnets[0].String() != "192.168.10.0/24" {
		t.Errorf("Desired shares slices with the configuration")
	}
}
