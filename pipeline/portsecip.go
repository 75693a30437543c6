package pipeline

import (
	"bytes"
	"net"
	"net/netip"
	"slices"

	"github.com/vtep/vtep/ofapp"
)

// IPv4 port security (see doc.go, Port security). A secured port with
// allowed IPv4 addresses (Port.AllowedIPs, or Port.IPSecured with none)
// gets, in local-in and in every network it is a member of, per allowed
// source MAC:
//
//	125 ARP:  arp_sha = dl_src, arp_spa an allowed IP or 0.0.0.0 (a probe)
//	125 IPv4: nw_src an allowed IP
//	125 IPv4: nw_src 0.0.0.0, UDP 68 -> 67 (a DHCP client's request)
//	     each with the port's learning actions, then egress
//	122 any other ARP or IPv4 of the port: drop (drop-port-security)
//	120 the MAC check (portsec.go): other ethertypes, IPv6 among them
//
// A secured port without allowed IPs keeps the MAC check alone, plus, in
// networks with ARP suppression, the ARP guard with any sender IP: no
// binding is learned from an ARP whose sender MAC is not the frame's.
const (
	prioSecuredARP     = 125 // local-in: a secured port's ARP from an allowed sender
	prioSecuredARPDrop = 122 // local-in: any other ARP of a secured port: drop
	prioSecuredIP      = 125 // local-in: a secured port's IPv4 from an allowed source
	prioSecuredIPDrop  = 122 // local-in: any other IPv4 of a secured port: drop

	dhcpClientPort = 68
	dhcpServerPort = 67
)

// ipSecured reports whether p's ARP and IPv4 must come from its allowed IPs.
func ipSecured(p Port) bool { return p.Secured && (p.IPSecured || len(p.AllowedIPs) > 0) }

// securedGuards returns local-in's ARP and IPv4 guards of secured port p
// in network n; acts are the port's learning actions.
func securedGuards(n network, p Port, acts []ofapp.Action) []portFlow {
	checkIPs := ipSecured(p)
	if !checkIPs && n.ARPSuppression == NeighOff {
		return nil
	}
	macs := slices.Clone(p.AllowedMACs)
	slices.SortFunc(macs, func(x, y net.HardwareAddr) int { return bytes.Compare(x, y) })
	macs = slices.CompactFunc(macs, func(x, y net.HardwareAddr) bool { return bytes.Equal(x, y) })
	var ips []netip.Addr
	for _, ip := range p.AllowedIPs {
		ips = append(ips, ip.Unmap())
	}
	slices.SortFunc(ips, func(x, y netip.Addr) int { return x.Compare(y) })
	ips = slices.Compact(ips)
	pf := securedARP(n, p.OFPort, macs, ips, checkIPs, acts)
	if checkIPs {
		pf = append(pf, securedIPv4(n, p.OFPort, macs, ips, acts)...)
	}
	return pf
}

// securedARP: port's ARP passes (with acts) only when its sender MAC is the
// frame's allowed source and, with checkIPs, its sender IP is in ips or
// 0.0.0.0 (a probe); any other ARP of the port in n is dropped and
// counted, so neither this VTEP nor any other learns a spoofed binding
// from it.
func securedARP(n network, port uint32, macs []net.HardwareAddr, ips []netip.Addr, checkIPs bool, acts []ofapp.Action) []portFlow {
	var pf []portFlow
	spas := []*net.IPNet{nil} // nil: any sender IP
	if checkIPs {
		spas = []*net.IPNet{hostNet(netip.IPv4Unspecified())}
		for _, ip := range ips {
			spas = append(spas, hostNet(ip))
		}
	}
	for _, mac := range macs {
		for _, spa := range spas {
			m := ofapp.Match{ofapp.MatchInPort(port), matchVNI(n.VNI), ofapp.MatchEthSrc(mac), matchARP(), ofapp.MatchARPSHA(mac)}
			if spa != nil {
				m = append(m, ofapp.MatchARPSPA(spa))
			}
			pf = append(pf, portFlow{port, flow(TableLocalIn, prioSecuredARP, FeatureLearnLocal, n.VNI, m, acts, TableEgress)})
		}
	}
	return append(pf, portFlow{port, flow(TableLocalIn, prioSecuredARPDrop, FeatureDropPortSecurity, n.VNI,
		ofapp.Match{ofapp.MatchInPort(port), matchVNI(n.VNI), matchARP()}, nil, 0)})
}

// securedIPv4: port's IPv4 passes (with acts) only from an allowed source
// MAC and a source address in ips, or as a DHCP client's request (source
// 0.0.0.0, UDP 68 -> 67) so that a VM can get its address; any other IPv4
// of the port in n is dropped and counted.
func securedIPv4(n network, port uint32, macs []net.HardwareAddr, ips []netip.Addr, acts []ofapp.Action) []portFlow {
	var pf []portFlow
	pass := func(m ofapp.Match) {
		pf = append(pf, portFlow{port, flow(TableLocalIn, prioSecuredIP, FeatureLearnLocal, n.VNI, m, acts, TableEgress)})
	}
	for _, mac := range macs {
		base := func() ofapp.Match {
			return ofapp.Match{ofapp.MatchInPort(port), matchVNI(n.VNI), ofapp.MatchEthSrc(mac), ofapp.MatchEthType(ethTypeIPv4)}
		}
		pass(append(base(), ofapp.MatchIPv4Src(hostNet(netip.IPv4Unspecified())), ofapp.MatchIPProto(ipProtoUDP),
			ofapp.MatchUDPSrc(dhcpClientPort), ofapp.MatchUDPDst(dhcpServerPort)))
		for _, ip := range ips {
			pass(append(base(), ofapp.MatchIPv4Src(hostNet(ip))))
		}
	}
	return append(pf, portFlow{port, flow(TableLocalIn, prioSecuredIPDrop, FeatureDropPortSecurity, n.VNI,
		ofapp.Match{ofapp.MatchInPort(port), matchVNI(n.VNI), ofapp.MatchEthType(ethTypeIPv4)}, nil, 0)})
}
