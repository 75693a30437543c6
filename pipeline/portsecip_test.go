package pipeline

import (
	"net"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vtep/vtep/pipeline/pipelinetest"
)

var (
	ipOwn      = net.IPv4(192, 168, 10, 1).To4() // a1's allowed address
	ipNeighbor = net.IPv4(192, 168, 10, 2).To4() // another VM's
)

// ipSecuredPort is a1 of securedFabric: macA only and, when ips is not
// empty, only those IPv4 addresses.
func ipSecuredPort(ips ...net.IP) Port {
	p := Port{Name: "a1", OFPort: vm1, Tag: 1, Secured: true, AllowedMACs: []net.HardwareAddr{macA}}
	for _, ip := range ips {
		a, _ := netip.AddrFromSlice(ip.To4())
		p.AllowedIPs = append(p.AllowedIPs, a)
	}
	return p
}

// udp4 is an IPv4/UDP broadcast from (mac, src) on port in.
func udp4(in uint32, mac net.HardwareAddr, src net.IP, sport, dport uint16) pipelinetest.Packet {
	return pipelinetest.Packet{InPort: in, EthSrc: mac, EthDst: broadcast, EthType: ipv4, IPSrc: src, IPDst: net.IPv4bcast,
		IPProto: 17, UDPSrc: sport, UDPDst: dport}
}

// portSecurityDrops sums what sw's drop-port-security flows counted.
func portSecurityDrops(sw *pipelinetest.Switch) int {
	n := 0
	for _, fl := range sw.Flows(TableLocalIn) {
		if Cookie(fl.Cookie).Feature() == FeatureDropPortSecurity {
			n += sw.Packets(fl.Key())
		}
	}
	return n
}

// everywhere are the ports a1's VNI 10 broadcast reaches: a2 and a3.
var everywhere = []hop{{"10.0.0.1", vm2, 0}, {"10.0.0.3", vm1, 0}}

// TestPortSecurityIPv4Source: a secured port with an allowed IPv4 address,
// in a network without ARP suppression. IPv4 from another source and ARP
// claiming another sender IP (or another sender MAC) are dropped and
// counted, and no VTEP learns anything from them; IPv4 from its address,
// its ARP, its probe and its DHCP requests pass and are learned.
func TestPortSecurityIPv4Source(t *testing.T) {
	f := securedFabric(t, ipSecuredPort(ipOwn))
	sw := f.vteps["10.0.0.1"]
	otherSHA := arpRequest(vm1, 0, macA, ipOwn, ipNeighbor)
	otherSHA.ARPSHA = macB
	tcp := udp4(vm1, macA, net.IPv4zero, 68, 67)
	tcp.IPProto = 6
	for name, p := range map[string]pipelinetest.Packet{
		"IPv4 from a neighbour's address": udp4(vm1, macA, ipNeighbor, 9, 9),
		"IPv4 from 0.0.0.0, not DHCP":     udp4(vm1, macA, net.IPv4zero, 67, 68),
		"TCP from 0.0.0.0, DHCP's ports":  tcp,
		"ARP claiming a neighbour's IP":   arpRequest(vm1, 0, macA, ipNeighbor, ipOwn),
		"ARP gratuitous for another IP":   arpRequest(vm1, 0, macA, ipNeighbor, ipNeighbor),
		"ARP reply from a neighbour's IP": arpAnswer(vm1, macA, ipNeighbor, macB, ipOwn),
		"ARP from another sender MAC":     otherSHA,
	} {
		before := portSecurityDrops(sw)
		if got := f.send("10.0.0.1", p); len(got) != 0 || len(f.tunnel) != 0 || portSecurityDrops(sw) != before+1 {
			t.Errorf("%s reached %v (tunnel %v), counted %d drops; want dropped by drop-port-security, counted once",
				name, got, f.tunnel, portSecurityDrops(sw)-before)
		}
	}
	if got := tables(f); len(got["10.0.0.1"]) != 0 || len(got["10.0.0.3"]) != 0 {
		t.Errorf("spoofed frames were learned: %v", got)
	}
	for name, p := range map[string]pipelinetest.Packet{
		"DHCP discover":    udp4(vm1, macA, net.IPv4zero, 68, 67),
		"IPv4 from its IP": udp4(vm1, macA, ipOwn, 9, 9),
		"ARP probe":        arpRequest(vm1, 0, macA, net.IPv4zero.To4(), ipOwn),
		"ARP request":      arpRequest(vm1, 0, macA, ipOwn, ipNeighbor),
	} {
		if got := f.send("10.0.0.1", p); !reflect.DeepEqual(got, everywhere) {
			t.Errorf("%s reached %v, want %v", name, got, everywhere)
		}
	}
	// Learned on both VTEPs: locally at the secured port, remotely at 10.0.0.1.
	for vtep, want := range map[string][]string{
		"10.0.0.1": {"dl_dst=02:00:00:00:00:0a,reg0=0xa/0xffffff"},
		"10.0.0.3": {"dl_dst=02:00:00:00:00:0a,reg0=0xa/0xffffff"},
	} {
		if got := tables(f)[vtep]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s learned %v, want %v", vtep, got, want)
		}
	}
	// IPv6 (and any other ethertype) keeps the MAC check alone.
	v6 := pipelinetest.Packet{InPort: vm1, EthSrc: macA, EthDst: broadcast, EthType: 0x86dd}
	if got := f.send("10.0.0.1", v6); !reflect.DeepEqual(got, everywhere) {
		t.Errorf("IPv6 from the allowed MAC reached %v, want %v", got, everywhere)
	}
	v6.EthSrc = macC
	if !droppedByPortSecurity(t, sw, v6) {
		t.Errorf("IPv6 from another MAC: not dropped by drop-port-security")
	}
	// The checks hold in every network of the port, not in the others.
	if droppedByPortSecurity(t, sw, udp4(vm3, macC, ipNeighbor, 9, 9)) {
		t.Errorf("b1 (not secured, VNI 20) was dropped")
	}
}

// TestPortSecurityMACOnly: a secured port without allowed IPs sends IPv4
// and ARP from any address, as before IPv4 checks existed; local-in
// matches no IPv4 source for it.
func TestPortSecurityMACOnly(t *testing.T) {
	f := securedFabric(t, ipSecuredPort())
	for name, p := range map[string]pipelinetest.Packet{
		"IPv4 from any address": udp4(vm1, macA, ipNeighbor, 9, 9),
		"ARP from any address":  arpRequest(vm1, 0, macA, ipNeighbor, ipOwn),
	} {
		if got := f.send("10.0.0.1", p); !reflect.DeepEqual(got, everywhere) {
			t.Errorf("%s reached %v, want %v", name, got, everywhere)
		}
	}
	for _, fl := range f.vteps["10.0.0.1"].Flows(TableLocalIn) {
		if s := fl.Match.String(); strings.Contains(s, "nw_src") || strings.Contains(s, "arp_spa") {
			t.Errorf("local-in checks addresses of a port without allowed IPs: %s", fl)
		}
	}
}

// TestPortSecurityIPSecuredNone: vtep-allowed-ips with no valid address
// fails closed: the port's IPv4 and ARP are dropped but for DHCP requests
// and probes, so the VM can still ask for an address.
func TestPortSecurityIPSecuredNone(t *testing.T) {
	p := ipSecuredPort()
	p.IPSecured = true
	f := securedFabric(t, p)
	sw := f.vteps["10.0.0.1"]
	for name, q := range map[string]pipelinetest.Packet{"IPv4": udp4(vm1, macA, ipOwn, 9, 9), "ARP": arpRequest(vm1, 0, macA, ipOwn, ipNeighbor)} {
		if !droppedByPortSecurity(t, sw, q) {
			t.Errorf("%s from a port allowing no IP: not dropped by drop-port-security", name)
		}
	}
	for name, q := range map[string]pipelinetest.Packet{"DHCP discover": udp4(vm1, macA, net.IPv4zero, 68, 67), "ARP probe": arpRequest(vm1, 0, macA, net.IPv4zero.To4(), ipOwn)} {
		if got := f.send("10.0.0.1", q); !reflect.DeepEqual(got, everywhere) {
			t.Errorf("%s from a port allowing no IP reached %v, want %v", name, got, everywhere)
		}
	}
}

// TestPortSecurityIPsOdd: duplicate and IPv4-mapped allowed addresses
// give one flow each; an IPv6 or unspecified one is refused by Build as a
// whole (nothing half applied).
func TestPortSecurityIPsOdd(t *testing.T) {
	p := ipSecuredPort()
	for _, s := range []string{"192.168.10.1", "::ffff:192.168.10.1", "192.168.10.1", "192.168.10.7"} {
		p.AllowedIPs = append(p.AllowedIPs, netip.MustParseAddr(s))
	}
	r := mustBuild(t, testState(vtepConfig(t, "10.0.0.1", vniNet(10, 1, "239.1.1.1")), p))
	var srcs []string
	for _, fl := range r.Overlay {
		for _, m := range fl.Match {
			if m.Name() == "nw_src" && fl.Table == TableLocalIn {
				srcs = append(srcs, m.String())
			}
		}
	}
	slices.Sort(srcs)
	if want := []string{"nw_src=0.0.0.0", "nw_src=192.168.10.1", "nw_src=192.168.10.7"}; !reflect.DeepEqual(srcs, want) {
		t.Errorf("local-in IPv4 sources %v, want %v", srcs, want)
	}
	for _, bad := range []string{"2001:db8::1", "0.0.0.0"} {
		q := ipSecuredPort()
		q.AllowedIPs = []netip.Addr{netip.MustParseAddr("192.168.10.1"), netip.MustParseAddr(bad)}
		if _, err := Build(testState(vtepConfig(t, "10.0.0.1", vniNet(10, 1, "239.1.1.1")), q)); err == nil || !strings.Contains(err.Error(), "Ports[a1].AllowedIPs") {
			t.Errorf("allowed IP %s: Build: %v, want an error naming Ports[a1].AllowedIPs", bad, err)
		}
	}
}

// TestIPSecuredPortNeverPauses: a port with allowed IPs whose extra MACs
// the limit refuses keeps passing its exact checks (MAC and IPv4 source),
// never a learning pause, and its spoofed sources stay dropped.
func TestIPSecuredPortNeverPauses(t *testing.T) {
	allowed := []net.HardwareAddr{floodMAC(1), floodMAC(2), floodMAC(3)}
	p := ipSecuredPort(ipOwn)
	p.AllowedMACs = allowed
	sw := pauseFabric(t, 2, p).vteps["10.0.0.1"]
	for round := range 3 {
		for _, m := range allowed {
			if feat, tr := learningStep(t, sw, udp4(vm1, m, ipOwn, 9, 9)); feat != FeatureLearnLocal || len(tr.Outputs) == 0 {
				t.Fatalf("round %d: allowed %s passed %s to %v, want learn-local and forwarded", round, m, feat, tr.Outputs)
			}
		}
	}
	if !droppedByPortSecurity(t, sw, udp4(vm1, allowed[0], ipNeighbor, 9, 9)) {
		t.Error("a spoofed IPv4 source was not dropped after refusals")
	}
}
