package pipeline

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/vtep/vtep/ofapp"
)

// ARP suppression (see doc.go, ARP suppression): a network's ARP
// responder answers requests from local ports for targets whose IP -> MAC
// binding the VTEP knows, instead of flooding them to every VTEP.
//
//	10 tunnel-in / 20 local-in (learning flows of a network in mode learned)
//	     resubmit(,33) ─> 33 neigh-learn
//	        probe (arp_spa 0), group or zero arp_sha: nothing
//	        any other ARP: learn into 35
//	            (VNI, arp_tpa = this arp_spa) -> reg4, reg5 = arp_sha, reg1[3] = 1
//	            (VNI, arp_tpa = arp_spa = this arp_spa) -> reg1[3] = 0 (gratuitous)
//	40 egress: ARP request from a local port, unknown dl_dst, network
//	     suppressing: resubmit(,35) ─> 35 neigh, goto 48
//	48 arp-responder
//	     reg1[3] = 1: the reply built in place (move/load), out the input port
//	     else: goto 50 flood
//
// A gratuitous ARP (a request whose sender and target IP are the same) hits
// its own entry above the binding and floods: it must reach every VTEP to
// move the binding there too.

// NeighMode is where a network's ARP responder takes its bindings from.
type NeighMode uint8

// Modes of ARP suppression.
const (
	// NeighOff: no responder; ARP requests flood as any broadcast.
	NeighOff NeighMode = iota
	// NeighLearned: bindings learned from ARP senders in the data plane
	// (tunnel-in and local-in, after the trusted-VTEP and port-security
	// checks, aged like MACs), plus the static ones.
	NeighLearned
	// NeighStatic: only the static bindings (Network.Neighbours and
	// secured ports' allowed IPs); nothing is learned.
	NeighStatic
)

var neighModeNames = []string{"off", "learned", "static"}

// String returns the mode's configuration name.
func (m NeighMode) String() string {
	if int(m) < len(neighModeNames) {
		return neighModeNames[m]
	}
	return fmt.Sprintf("neigh-mode-%d", uint8(m))
}

// ParseNeighMode parses a mode's configuration name.
func ParseNeighMode(s string) (NeighMode, error) {
	if i := slices.Index(neighModeNames, s); i >= 0 {
		return NeighMode(i), nil
	}
	return NeighOff, fmt.Errorf("arp suppression mode %q: want one of %v", s, neighModeNames)
}

// NeighModes returns the modes' configuration names.
func NeighModes() []string { return slices.Clone(neighModeNames) }

// Neighbour is a static IP -> MAC binding of a network.
type Neighbour struct {
	IP  netip.Addr
	MAC net.HardwareAddr
}

// Priorities of ARP suppression's flows in local-in, neigh-learn (33) and
// neigh (35).
const (
	prioNeighInvalid       = 200 // neigh-learn: probe or invalid sender: no binding
	prioNeighGratuitous    = 125 // neigh: a static binding's gratuitous ARP
	prioNeighGratuitousLrn = 120 // neigh: a learned binding's gratuitous ARP
	prioNeighStatic        = 110 // neigh: static bindings, above learned ones (100)
	prioARPLookup          = 10  // egress: ARP request to an unknown destination
)

// staticNeigh is one static binding of a network.
type staticNeigh struct {
	vni uint32
	ip  netip.Addr
	mac net.HardwareAddr
}

// checkNeighbours refuses static bindings Build cannot program: an invalid
// address or a MAC that is not unicast. IPv4 bindings answer ARP, IPv6 ones
// neighbour solicitations (nd.go).
func checkNeighbours(n Network) error {
	for i, nb := range n.Neighbours {
		field := fmt.Sprintf("Networks[%d].Neighbours[%d]", n.VNI, i)
		if !nb.IP.IsValid() || nb.IP.Unmap().IsUnspecified() {
			return &StateError{Field: field + ".IP", Value: nb.IP.String(), Err: fmt.Errorf("%w: want an IP address", ErrState)}
		}
		if !unicastMAC(nb.MAC) {
			return &StateError{Field: field + ".MAC", Value: nb.MAC.String(), Err: fmt.Errorf("%w: want a unicast MAC", ErrState)}
		}
	}
	if n.ARPSuppression > NeighStatic {
		return &StateError{Field: fmt.Sprintf("Networks[%d].ARPSuppression", n.VNI), Value: n.ARPSuppression.String(), Err: fmt.Errorf("%w: unknown mode", ErrState)}
	}
	return nil
}

func unicastMAC(m net.HardwareAddr) bool {
	return len(m) == 6 && m[0]&1 == 0 && !bytes.Equal(m, macZero)
}

// staticNeighbours are network n's static bindings, by IP: first the
// allowed IPs of its secured member ports that allow exactly one MAC (in
// port order), then n.Neighbours; the first binding of an IP wins.
func (b *builder) staticNeighbours(n network) []staticNeigh {
	var out []staticNeigh
	add := func(ip netip.Addr, mac net.HardwareAddr) {
		ip = ip.Unmap()
		if slices.ContainsFunc(out, func(s staticNeigh) bool { return s.ip == ip }) {
			return
		}
		out = append(out, staticNeigh{vni: n.VNI, ip: ip, mac: mac})
	}
	for _, m := range n.members {
		if p, ok := b.secured[m.port]; ok && len(p.AllowedMACs) == 1 {
			for _, ip := range p.AllowedIPs {
				add(ip, p.AllowedMACs[0])
			}
		}
	}
	nbs := slices.Clone(n.Neighbours)
	slices.SortStableFunc(nbs, func(x, y Neighbour) int {
		if c := x.IP.Compare(y.IP); c != 0 {
			return c
		}
		return bytes.Compare(x.MAC, y.MAC)
	})
	for _, nb := range nbs {
		add(nb.IP, nb.MAC)
	}
	slices.SortFunc(out, func(x, y staticNeigh) int { return x.ip.Compare(y.ip) })
	return out
}

// suppressing reports whether any network has an ARP responder.
func (b *builder) suppressing() bool {
	return slices.ContainsFunc(b.nets, func(n network) bool { return n.ARPSuppression != NeighOff })
}

func matchARP() ofapp.MatchField { return ofapp.MatchEthType(ethTypeARP) }

func hostNet(ip netip.Addr) *net.IPNet { return prefixNet(netip.PrefixFrom(ip, 32)) }

// neighLearnResubmit is what a learning flow of n adds to its actions:
// the ARP sender's binding is learned in neigh-learn (mode learned only).
func neighLearnResubmit(n Network, acts []ofapp.Action) []ofapp.Action {
	if n.ARPSuppression != NeighLearned {
		return acts
	}
	return append(slices.Clone(acts), ofapp.Resubmit{Table: TableNeighLearn})
}

// neighLearn: table 33, reached by resubmit from the learning flows of
// networks in mode learned, so only frames that passed classify's
// trusted-VTEP check and local-in's port security (with its ARP guard,
// securedARP) get here.
func (b *builder) neighLearn(out []ofapp.Flow) []ofapp.Flow {
	learns := false
	for _, n := range b.nets {
		if n.ARPSuppression != NeighLearned {
			continue
		}
		learns = true
		vni, arp := matchVNI(n.VNI), matchARP()
		out = append(out,
			flow(TableNeighLearn, prioNeighInvalid, FeatureNeighNoLearn, n.VNI, ofapp.Match{vni, arp, ofapp.MatchARPSPA(hostNet(netip.IPv4Unspecified()))}, nil, 0),
			flow(TableNeighLearn, prioNeighInvalid, FeatureNeighNoLearn, n.VNI, ofapp.Match{vni, arp, ofapp.MatchARPSHAMasked(macGroupBit, macGroupBit)}, nil, 0),
			flow(TableNeighLearn, prioNeighInvalid, FeatureNeighNoLearn, n.VNI, ofapp.Match{vni, arp, ofapp.MatchARPSHA(macZero)}, nil, 0))
		out = append(out, flow(TableNeighLearn, prioNormal, FeatureNeighLearn, n.VNI, ofapp.Match{vni, arp}, b.neighLearnActions(n), 0))
		out = append(out, b.ndLearn(n)...)
	}
	if !learns {
		return out
	}
	return append(out, flow(TableNeighLearn, prioDefault, FeatureNeighNoLearn, 0, nil, nil, 0))
}

// neighLearnActions are the two learn actions of an ARP sender in n: its
// binding (VNI, arp_tpa = arp_spa) -> arp_sha, and above it the entry of
// its own gratuitous ARP (arp_spa = arp_tpa = its IP), which answers
// nothing so that the announcement floods. Both age like MACs and share
// n's MaxMACs as a limit (per cookie), so a flood of invented senders
// cannot fill the table.
func (b *builder) neighLearnActions(n network) []ofapp.Action {
	key := func() []ofapp.LearnSpec {
		return []ofapp.LearnSpec{
			ofapp.LearnMatchField{Dst: RegVNI, Src: RegVNI},
			ofapp.LearnMatchValue{Dst: ofapp.Whole(ofapp.FieldEthType), Value: uint64(ethTypeARP)},
			ofapp.LearnMatchField{Dst: ofapp.Whole(ofapp.FieldARPTPA), Src: ofapp.Whole(ofapp.FieldARPSPA)},
		}
	}
	bind := ofapp.Learn{Table: TableNeigh, Priority: learnedPrio, HardTimeout: b.d.MACAgeing, Limit: n.MaxMACs,
		Cookie: uint64(NewCookie(FeatureLearnedNeigh, n.VNI)),
		Specs: append(key(),
			ofapp.LearnLoadField{Src: ofapp.Bits(ofapp.FieldARPSHA, 0, 32), Dst: RegNeighMACLow},
			ofapp.LearnLoadField{Src: ofapp.Bits(ofapp.FieldARPSHA, 32, 16), Dst: RegNeighMACHigh},
			ofapp.LearnLoadValue{Dst: RegNeighFound, Value: 1})}
	self := ofapp.Learn{Table: TableNeigh, Priority: prioNeighGratuitousLrn, HardTimeout: b.d.MACAgeing, Limit: n.MaxMACs,
		Cookie: uint64(NewCookie(FeatureLearnedNeighGratuitous, n.VNI)),
		Specs: append(key(),
			ofapp.LearnMatchField{Dst: ofapp.Whole(ofapp.FieldARPSPA), Src: ofapp.Whole(ofapp.FieldARPSPA)},
			ofapp.LearnLoadValue{Dst: RegNeighFound, Value: 0})}
	return []ofapp.Action{bind, self}
}

// loadMAC are the loads of a static binding's MAC into reg4 and reg5.
func loadMAC(mac net.HardwareAddr) []ofapp.Action {
	v := uint64(0)
	for _, c := range mac {
		v = v<<8 | uint64(c)
	}
	return []ofapp.Action{
		ofapp.RegLoad{Dst: RegNeighMACLow, Value: v & 0xffffffff},
		ofapp.RegLoad{Dst: RegNeighMACHigh, Value: v >> 32},
		ofapp.RegLoad{Dst: RegNeighFound, Value: 1},
	}
}

// neighTable: table 35's programmed flows: each network's static bindings
// (above learned ones) with their gratuitous entries, and the miss.
func (b *builder) neighTable(out []ofapp.Flow) []ofapp.Flow {
	if !b.suppressing() {
		return out
	}
	for _, n := range b.nets {
		if n.ARPSuppression == NeighOff {
			continue
		}
		for _, s := range b.staticNeighbours(n) {
			if s.ip.Is6() {
				out = append(out, ndStatic(s))
				continue
			}
			ip := hostNet(s.ip)
			out = append(out,
				flow(TableNeigh, prioNeighGratuitous, FeatureNeighGratuitous, n.VNI,
					ofapp.Match{matchVNI(n.VNI), matchARP(), ofapp.MatchARPSPA(ip), ofapp.MatchARPTPA(ip)},
					[]ofapp.Action{ofapp.RegLoad{Dst: RegNeighFound, Value: 0}}, 0),
				flow(TableNeigh, prioNeighStatic, FeatureNeighStatic, n.VNI,
					ofapp.Match{matchVNI(n.VNI), matchARP(), ofapp.MatchARPTPA(ip)}, loadMAC(s.mac), 0))
		}
	}
	return append(out, ndNoAnswer(), flow(TableNeigh, prioDefault, FeatureNeighMiss, 0, nil, nil, 0))
}
