package pipeline

import (
	"net"
	"net/netip"
	"testing"

	"github.com/vtep/vtep/config"
)

// Port numbers used across the tests.
const (
	tunnel = 1
	vm1    = 2
	vm2    = 3
	vm3    = 4
	uplink = 1
)

var brPhyMAC = net.HardwareAddr{0x02, 0xaa, 0, 0, 0, 1}

// testConfig returns a configuration with the given networks, validated.
func testConfig(t testing.TB, mode config.FloodMode, nets ...config.Network) *config.Config {
	t.Helper()
	c := config.Default()
	c.Underlay.Uplink = "eth0"
	c.Underlay.LocalIP = netip.MustParsePrefix("10.0.0.1/24")
	c.Flood.Mode = mode
	if mode == config.FloodReplication {
		c.Flood.Peers = []netip.Addr{netip.MustParseAddr("10.0.0.3"), netip.MustParseAddr("10.0.0.2")}
	}
	c.Networks = nets
	if err := c.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	return &c
}

func vniNet(vni uint32, vlan uint16, group string, subnets ...string) config.Network {
	n := config.Network{VNI: vni, VLAN: vlan}
	if group != "" {
		n.Group = netip.MustParseAddr(group)
	}
	for _, s := range subnets {
		n.Subnets = append(n.Subnets, netip.MustParsePrefix(s))
	}
	return n
}

func testState(c *config.Config, ports ...Port) State {
	return State{Config: c, TunnelPort: tunnel, Ports: ports,
		Underlay: Underlay{UplinkPort: uplink, BridgeMAC: brPhyMAC}}
}

func mustBuild(t testing.TB, s State) Result {
	t.Helper()
	r, err := Build(s)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return r
}
