package underlay

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// ErrNotResolvable says vtepd must not resolve an address it learned as a
// remote VTEP's. Learned addresses come from the outer source of packets
// received from the underlay, so anyone there chooses them: only a unicast
// address of a host on the VTEP's own subnet, other than the VTEP itself
// and the groups' placeholder gateways, is ever resolved. A remote VTEP
// elsewhere is reached through a router, whose entry OVS keeps itself.
var ErrNotResolvable = errors.New("not resolvable")

// CheckRemote returns nil when ip may be resolved as a remote VTEP of the
// VTEP local (its address and subnet), and an error wrapping
// ErrNotResolvable that says why not otherwise. reserved are addresses
// that must never be resolved (the placeholder gateways, pinned to group
// MACs in OVS's cache).
func CheckRemote(ip netip.Addr, local netip.Prefix, reserved []netip.Addr) error {
	why := ""
	subnet := local.Masked()
	switch {
	case !ip.IsValid() || !ip.Is4():
		why = "not an IPv4 address"
	case ip.IsUnspecified():
		why = "the zero address"
	case ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		why = "the broadcast address"
	case ip.IsLoopback():
		why = "a loopback address"
	case ip.IsMulticast():
		why = "a multicast address"
	case ip == local.Addr():
		why = "this VTEP's own address"
	case !subnet.Contains(ip):
		why = "outside the VTEP's subnet " + subnet.String()
	case local.Bits() < 31 && ip == subnet.Addr():
		why = "the subnet's network address"
	case local.Bits() < 31 && ip == lastAddr(subnet):
		why = "the subnet's broadcast address"
	case slices.Contains(reserved, ip):
		why = "a multicast group's placeholder gateway"
	}
	if why != "" {
		return fmt.Errorf("remote VTEP %s: %s: %w", ip, why, ErrNotResolvable)
	}
	return nil
}

// lastAddr returns the highest address of an IPv4 prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// Neighbor is one entry of OVS's tunnel neighbour cache.
type Neighbor struct {
	IP     netip.Addr
	MAC    string
	Bridge string
}

// ParseNeighbors reads the output of tnl/neigh/show (a header, then lines
// "IP MAC BRIDGE"), keeping the IPv4 entries of bridge.
func ParseNeighbors(show, bridge string) map[netip.Addr]Neighbor {
	out := map[netip.Addr]Neighbor{}
	for _, line := range strings.Split(show, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[2] != bridge {
			continue
		}
		ip, err := netip.ParseAddr(f[0])
		if err != nil || !ip.Is4() {
			continue
		}
		out[ip] = Neighbor{IP: ip, MAC: f[1], Bridge: f[2]}
	}
	return out
}

// RemotePlan is what one pass over the learned remote VTEPs does.
type RemotePlan struct {
	Resolve []netip.Addr         // missing from OVS's cache, or due for a refresh
	Skip    map[netip.Addr]error // never resolved (see CheckRemote)
	Fresh   []netip.Addr         // in OVS's cache and first seen now: no work
	Later   int                  // due, but over the cap of resolutions in flight
}

// RemoteState is what the planner knows about one remote VTEP.
type RemoteState struct {
	LastSet time.Time // last time vtepd (or OVS's snooping, first seen) set its entry
	RetryAt time.Time // after a failed resolution, not before then
	Busy    bool      // a resolution is in flight
}

// PlanRemotes decides which learned remote VTEPs to resolve now: those
// CheckRemote allows that OVS's cache lacks, or whose entry vtepd last set
// more than refresh ago (OVS ages entries nobody uses), except those in
// flight or backing off after a failure; at most budget of them, lowest
// address first. A VTEP in the cache that the planner meets for the first
// time was just snooped by OVS: it counts as fresh.
func PlanRemotes(learned []netip.Addr, cache map[netip.Addr]Neighbor, state map[netip.Addr]RemoteState,
	now time.Time, refresh time.Duration, budget int, check func(netip.Addr) error) RemotePlan {
	p := RemotePlan{Skip: map[netip.Addr]error{}}
	learned = slices.Clone(learned)
	slices.SortFunc(learned, func(a, b netip.Addr) int { return a.Compare(b) })
	learned = slices.Compact(learned)
	for _, ip := range learned {
		if err := check(ip); err != nil {
			p.Skip[ip] = err
			continue
		}
		st, known := state[ip]
		_, cached := cache[ip]
		switch {
		case st.Busy || now.Before(st.RetryAt):
			continue
		case cached && !known:
			p.Fresh = append(p.Fresh, ip)
			continue
		case cached && now.Sub(st.LastSet) < refresh:
			continue
		}
		if len(p.Resolve) >= budget {
			p.Later++
			continue
		}
		p.Resolve = append(p.Resolve, ip)
	}
	return p
}

// NextHop is how OVS's tunnel router reaches an address (ovs/route/lookup).
type NextHop struct {
	Gateway netip.Addr // invalid when the address is on a connected subnet
	Dev     string     // the bridge the tunnel packet leaves through
}

// LookupNextHop asks OVS's tunnel router how it reaches ip.
func LookupNextHop(ctx context.Context, u Caller, ip netip.Addr) (NextHop, error) {
	out, err := u.Call(ctx, "ovs/route/lookup", ip.String()+"/32")
	if err != nil {
		return NextHop{}, fmt.Errorf("route to %s: %w", ip, err)
	}
	return parseRouteLookup(out)
}

// parseRouteLookup reads the answer of ovs/route/lookup:
//
//	src 10.0.0.1
//	gateway ::
//	dev br-phy
//
// where a gateway of :: (or 0.0.0.0) means "on link".
func parseRouteLookup(out string) (NextHop, error) {
	var r NextHop
	var sawGW bool
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		switch f[0] {
		case "gateway":
			gw, err := netip.ParseAddr(f[1])
			if err != nil {
				return NextHop{}, fmt.Errorf("ovs/route/lookup: gateway %q: %w", f[1], err)
			}
			sawGW = true
			if gw = gw.Unmap(); !gw.IsUnspecified() {
				r.Gateway = gw
			}
		case "dev":
			r.Dev = f[1]
		}
	}
	if !sawGW || r.Dev == "" {
		return NextHop{}, fmt.Errorf("ovs/route/lookup: unexpected answer %q", out)
	}
	return r, nil
}

// CheckOnLink returns nil when OVS's router reaches ip directly through
// bridge, the only case where ip's own neighbour entry is the one OVS
// uses, and an error wrapping ErrNotResolvable otherwise.
func CheckOnLink(ip netip.Addr, r NextHop, bridge string) error {
	switch {
	case r.Dev != bridge:
		return fmt.Errorf("remote VTEP %s: OVS routes it through %s, not %s: %w", ip, r.Dev, bridge, ErrNotResolvable)
	case r.Gateway.IsValid() && r.Gateway != ip:
		return fmt.Errorf("remote VTEP %s: OVS routes it via gateway %s: %w", ip, r.Gateway, ErrNotResolvable)
	}
	return nil
}
