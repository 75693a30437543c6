package pipeline

import (
	"bytes"
	"fmt"
	"net"
	"slices"

	"github.com/vtep/vtep/ofapp"
)

// Priorities of port security (see doc.go, Port security). A secured
// port's allowed sources sit above its catch-all drop, which sits above the
// drops of its MACs arriving elsewhere, which sit above learning.
const (
	prioSecuredSrc  = 120 // local-in: a secured port's allowed source: learn
	prioSecuredPort = 115 // local-in: anything else from a secured port: drop
	prioSecuredMAC  = 110 // local-in, tunnel-in: a secured MAC from elsewhere: drop; mac: its static entry
)

// staticMAC is a MAC secured on exactly one member port of a network.
type staticMAC struct {
	vni  uint32
	mac  net.HardwareAddr
	port uint32
}

// checkSecured refuses allowed MACs that are not unicast.
func checkSecured(p Port) error {
	for _, m := range p.AllowedMACs {
		if len(m) != 6 || m[0]&1 != 0 || bytes.Equal(m, macZero) {
			return &StateError{Field: "Ports[" + p.Name + "].AllowedMACs", Value: m.String(),
				Err: fmt.Errorf("%w: want a unicast MAC", ErrState)}
		}
	}
	for _, ip := range p.AllowedIPs {
		if !ip.Unmap().Is4() || ip.Unmap().IsUnspecified() {
			return &StateError{Field: "Ports[" + p.Name + "].AllowedIPs", Value: ip.String(),
				Err: fmt.Errorf("%w: want an IPv4 address", ErrState)}
		}
	}
	return nil
}

// prepareSecurity finds the secured ports and the static MACs: per
// network, each MAC allowed on exactly one secured member port. A MAC two
// ports of a network claim is static on neither: both may send from it
// and learning decides where it is.
func (b *builder) prepareSecurity() {
	b.secured = map[uint32]Port{}
	for _, p := range b.s.Ports {
		if p.Secured {
			b.secured[p.OFPort] = p
		}
	}
	for _, n := range b.nets {
		owners := map[string][]uint32{}
		var macs []net.HardwareAddr
		for _, m := range n.members {
			for _, mac := range b.secured[m.port].AllowedMACs {
				k := string(mac)
				if len(owners[k]) == 0 {
					macs = append(macs, mac)
				}
				if !slices.Contains(owners[k], m.port) {
					owners[k] = append(owners[k], m.port)
				}
			}
		}
		slices.SortFunc(macs, func(x, y net.HardwareAddr) int { return bytes.Compare(x, y) })
		for _, mac := range macs {
			if o := owners[string(mac)]; len(o) == 1 {
				b.static = append(b.static, staticMAC{vni: n.VNI, mac: mac, port: o[0]})
			}
		}
	}
}

// tunnelSecured: tunnel-in drops frames from a network's static MACs.
func (b *builder) tunnelSecured(out []ofapp.Flow) []ofapp.Flow {
	for _, s := range b.static {
		out = append(out, flow(TableTunnelIn, prioSecuredMAC, FeatureDropPortSecurity, s.vni,
			ofapp.Match{matchVNI(s.vni), ofapp.MatchEthSrc(s.mac)}, nil, 0))
	}
	return out
}

// localSecured returns local-in's flows of secured member m of n: learn
// from each allowed source (acts are the port's learning actions), and drop
// the static MACs of the port arriving on other ports.
func (b *builder) localSecured(n network, m member, acts []ofapp.Action) []portFlow {
	var pf []portFlow
	allowed := slices.Clone(b.secured[m.port].AllowedMACs)
	slices.SortFunc(allowed, func(x, y net.HardwareAddr) int { return bytes.Compare(x, y) })
	for _, mac := range slices.CompactFunc(allowed, func(x, y net.HardwareAddr) bool { return bytes.Equal(x, y) }) {
		pf = append(pf, portFlow{m.port, flow(TableLocalIn, prioSecuredSrc, FeatureLearnLocal, n.VNI,
			ofapp.Match{ofapp.MatchInPort(m.port), matchVNI(n.VNI), ofapp.MatchEthSrc(mac)},
			acts, TableEgress)})
	}
	pf = append(pf, securedGuards(n, b.secured[m.port], acts)...)
	for _, s := range b.static {
		if s.vni == n.VNI && s.port == m.port {
			pf = append(pf, portFlow{m.port, flow(TableLocalIn, prioSecuredMAC, FeatureDropPortSecurity, s.vni,
				ofapp.Match{matchVNI(s.vni), ofapp.MatchEthSrc(s.mac)}, nil, 0)})
		}
	}
	return pf
}

// securedPortDrops: local-in drops every other frame of a secured port
// (that is a member of some network: others get no flows at all).
func (b *builder) securedPortDrops() []portFlow {
	var pf []portFlow
	for _, n := range b.nets {
		for _, m := range n.members {
			if _, ok := b.secured[m.port]; !ok || slices.ContainsFunc(pf, func(f portFlow) bool { return f.port == m.port }) {
				continue
			}
			port := m.port
			pf = append(pf, portFlow{port, flow(TableLocalIn, prioSecuredPort, FeatureDropPortSecurity, 0,
				ofapp.Match{ofapp.MatchInPort(port)}, nil, 0)})
		}
	}
	return pf
}

// staticEntries: table mac's static entries of the secured MACs, above
// anything learned.
func (b *builder) staticEntries(out []ofapp.Flow) []ofapp.Flow {
	for _, s := range b.static {
		out = append(out, flow(TableMAC, prioSecuredMAC, FeatureMACStatic, s.vni,
			ofapp.Match{matchVNI(s.vni), ofapp.MatchEthDst(s.mac)},
			[]ofapp.Action{ofapp.RegLoad{Dst: RegRemoteVTEP, Value: 0}, ofapp.RegLoad{Dst: RegOutPort, Value: uint64(s.port)}}, 0))
	}
	return out
}
