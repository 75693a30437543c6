package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// VTEPPrefix is an entry of underlay.trusted_vteps: an IPv4 prefix, or a
// bare address standing for its /32.
type VTEPPrefix struct{ netip.Prefix }

// UnmarshalText reads 10.0.0.2 (a /32) or 10.0.8.0/24.
func (p *VTEPPrefix) UnmarshalText(b []byte) error {
	s := string(b)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return fmt.Errorf("trusted VTEP %q: %w", s, err)
		}
		p.Prefix = netip.PrefixFrom(a, a.BitLen())
		return nil
	}
	pr, err := netip.ParsePrefix(s)
	if err != nil {
		return fmt.Errorf("trusted VTEP %q: %w", s, err)
	}
	p.Prefix = pr
	return nil
}

// validateTrusted checks underlay.trusted_vteps: IPv4, no host bits, not
// multicast, no entry inside another.
func (c *Config) validateTrusted(errs *errorList) {
	var ok []netip.Prefix
	var at []int
	for i, v := range c.Underlay.TrustedVTEPs {
		p := v.Prefix
		path := fmt.Sprintf("underlay.trusted_vteps[%d]", i)
		switch {
		case !p.Addr().Is4():
			errs.addf(path, p.String(), ErrInvalid, "want an IPv4 address or prefix")
			continue
		case p != p.Masked():
			errs.addf(path, p.String(), ErrInvalid, "has host bits set (did you mean %s?)", p.Masked())
			continue
		case p.Addr().IsMulticast() || p.Addr().IsLoopback() || p == netip.PrefixFrom(netip.IPv4Unspecified(), 32):
			errs.addf(path, p.String(), ErrInvalid, "VTEPs send from unicast addresses")
			continue
		}
		dup := false
		for j, o := range ok {
			if o.Overlaps(p) {
				errs.addf(path, p.String(), ErrDuplicate, "overlaps underlay.trusted_vteps[%d] (%s)", at[j], o)
				dup = true
				break
			}
		}
		if !dup {
			ok, at = append(ok, p), append(at, i)
		}
	}
}

// RestrictVTEPs reports whether tunnel frames are accepted only from
// TrustedVTEPs: in replication mode always, in multicast mode when
// underlay.trusted_vteps is set.
func (c *Config) RestrictVTEPs() bool {
	return c.Flood.Mode == FloodReplication || len(c.Underlay.TrustedVTEPs) > 0
}

// TrustedVTEPs returns the outer sources tunnel frames are accepted from
// when RestrictVTEPs: underlay.trusted_vteps and, in replication mode, the
// flood peers not already inside one of them.
func (c *Config) TrustedVTEPs() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(c.Underlay.TrustedVTEPs)+len(c.Flood.Peers))
	for _, p := range c.Underlay.TrustedVTEPs {
		out = append(out, p.Prefix)
	}
	if c.Flood.Mode != FloodReplication {
		return out
	}
	n := len(out)
	for _, peer := range c.Flood.Peers {
		covered := false
		for _, p := range out[:n] {
			covered = covered || p.Contains(peer)
		}
		if !covered {
			out = append(out, netip.PrefixFrom(peer, 32))
		}
	}
	return out
}
