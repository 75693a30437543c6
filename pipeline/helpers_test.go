package pipeline

import (
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
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

// floodMode picks how testConfig floods.
type floodMode bool

const (
	multicast   floodMode = false
	replication floodMode = true
)

// testConfig returns the desired state of VTEP 10.0.0.1 with the given
// networks; in replication mode its peers are 10.0.0.3 and 10.0.0.2.
func testConfig(t testing.TB, mode floodMode, nets ...Network) *Desired {
	t.Helper()
	d := Desired{LocalIP: netip.MustParseAddr("10.0.0.1"), UDPPort: 4789, MACAgeing: 300,
		Replication: bool(mode), Networks: nets}
	if mode == replication {
		d.Peers = []netip.Addr{netip.MustParseAddr("10.0.0.3"), netip.MustParseAddr("10.0.0.2")}
	}
	return &d
}

func vniNet(vni uint32, vlan uint16, group string, subnets ...string) Network {
	n := Network{VNI: vni, VLAN: vlan}
	if group != "" {
		n.Group = netip.MustParseAddr(group)
	}
	for _, s := range subnets {
		n.Subnets = append(n.Subnets, netip.MustParsePrefix(s))
	}
	return n
}

func testState(d *Desired, ports ...Port) State {
	return State{Desired: *d, TunnelPort: tunnel, Ports: ports,
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

// trusted restricts d's tunnel sources to the given prefixes.
func trusted(d *Desired, prefixes ...string) *Desired {
	d.RestrictVTEPs = true
	for _, p := range prefixes {
		d.TrustedVTEPs = append(d.TrustedVTEPs, netip.MustParsePrefix(p))
	}
	return d
}

// limited sets a network's MaxMACs.
func limited(n Network, max uint32) Network { n.MaxMACs = max; return n }

// maxPerPort sets d's MaxMACsPerPort.
func maxPerPort(d *Desired, max uint32) *Desired { d.MaxMACsPerPort = max; return d }

// suppress sets a network's ARP suppression mode and static neighbours
// ("IP=MAC").
func suppress(n Network, mode NeighMode, neighbours ...string) Network {
	n.ARPSuppression = mode
	for _, nb := range neighbours {
		ip, mac, _ := strings.Cut(nb, "=")
		hw, err := net.ParseMAC(mac)
		if err != nil {
			panic(err)
		}
		n.Neighbours = append(n.Neighbours, Neighbour{IP: netip.MustParseAddr(ip), MAC: hw})
	}
	return n
}

// suppresses reports whether a network of s has one of the modes.
func suppresses(s State, modes ...NeighMode) bool {
	for _, n := range s.Desired.Networks {
		if slices.Contains(modes, n.ARPSuppression) {
			return true
		}
	}
	return false
}
