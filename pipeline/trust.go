package pipeline

import (
	"fmt"
	"net/netip"

	"github.com/vtep/vtep/ofapp"
)

// ipv4All is the whole IPv4 space, where the untrusted set starts.
var ipv4All = netip.MustParsePrefix("0.0.0.0/0")

// untrusted returns the IPv4 prefixes that cover every address outside
// trusted, disjoint and in address order: the complement of their union,
// split as coarsely as CIDR allows (at most 32 prefixes per trusted one).
// A classify drop flow per prefix then rejects every other outer source
// without touching the classify-tunnel flows, which stay one per VNI.
func untrusted(trusted []netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	var walk func(p netip.Prefix)
	walk = func(p netip.Prefix) {
		overlaps := false
		for _, t := range trusted {
			if t.Bits() <= p.Bits() && t.Contains(p.Addr()) {
				return // p lies inside a trusted prefix
			}
			if p.Overlaps(t) {
				overlaps = true
			}
		}
		if !overlaps {
			out = append(out, p)
			return
		}
		lo := netip.PrefixFrom(p.Addr(), p.Bits()+1)
		a := p.Addr().As4()
		a[p.Bits()/8] |= 0x80 >> (p.Bits() % 8)
		walk(lo)
		walk(netip.PrefixFrom(netip.AddrFrom4(a), p.Bits()+1))
	}
	walk(ipv4All)
	return out
}

// checkTrusted refuses trusted VTEP prefixes Build cannot match.
func checkTrusted(d Desired) error {
	for i, p := range d.TrustedVTEPs {
		if !p.IsValid() || !p.Addr().Is4() || p != p.Masked() {
			return &StateError{Field: fmt.Sprintf("Desired.TrustedVTEPs[%d]", i), Value: p.String(),
				Err: fmt.Errorf("%w: want an IPv4 prefix without host bits", ErrState)}
		}
	}
	return nil
}

// dropUntrusted: table 0's drops of tunnel frames whose outer source is
// no trusted VTEP (none unless RestrictVTEPs). They sit above the
// classify-tunnel flows and cover disjoint prefixes, so one priority
// serves them all.
func (b *builder) dropUntrusted(out []ofapp.Flow) []ofapp.Flow {
	if !b.d.RestrictVTEPs {
		return out
	}
	for _, p := range untrusted(b.d.TrustedVTEPs) {
		m := ofapp.Match{ofapp.MatchInPort(b.s.TunnelPort)}
		if p.Bits() > 0 {
			m = append(m, ofapp.MatchTunnelIPv4SrcPrefix(prefixNet(p)))
		}
		out = append(out, flow(TableClassify, prioHigh, FeatureDropUntrustedVTEP, 0, m, nil, 0))
	}
	return out
}
