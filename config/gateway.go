package config

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sort"
)

// GroupGateway pairs a multicast group with the placeholder next hop that
// routes it. Open vSwitch's tunnel router only accepts a route through a
// gateway inside the output bridge's subnet and resolves that gateway in its
// own neighbour cache, which knows nothing of multicast. So for each group
// the daemon runs
//
//	ovs-appctl ovs/route/add GROUP/32 UNDERLAY_BRIDGE GATEWAY
//	ovs-appctl tnl/neigh/set UNDERLAY_BRIDGE GATEWAY GROUP_MAC
//
// (GROUP_MAC: underlay.GroupMAC, 01:00:5e and the group's low 23 bits).
//
// Each group needs its own gateway, since the gateway's neighbour entry
// carries the group's MAC. The gateway is never sent to.
type GroupGateway struct {
	Group   netip.Addr
	Gateway netip.Addr
}

// MulticastGateways returns the placeholder gateway of every group in use,
// ordered by group. Groups are taken in ascending order; each gets the next
// address of underlay.mcast_gateways when that list is set, and otherwise the
// next free address counting down from the top of underlay.local_ip's subnet
// (.254, .253, ... in a /24), skipping the local IP and the flood peers. The
// result depends only on the configuration. It fails when the list or the
// subnet has too few addresses.
func (c *Config) MulticastGateways() ([]GroupGateway, error) {
	groups := c.Groups()
	if len(groups) == 0 {
		return nil, nil
	}
	out := make([]GroupGateway, len(groups))
	if len(c.Underlay.MulticastGateways) > 0 {
		if len(c.Underlay.MulticastGateways) < len(groups) {
			return nil, &FieldError{Path: "underlay.mcast_gateways", Value: fmt.Sprint(len(c.Underlay.MulticastGateways)),
				Err: fmt.Errorf("%w: gateways listed, but %d multicast groups need one each", ErrInvalid, len(groups))}
		}
		for i, g := range groups {
			out[i] = GroupGateway{Group: g, Gateway: c.Underlay.MulticastGateways[i]}
		}
		return out, nil
	}
	local := c.Underlay.LocalIP
	if !local.IsValid() || !local.Addr().Is4() {
		return nil, &FieldError{Path: "underlay.local_ip", Err: fmt.Errorf("%w: multicast gateways are taken from its subnet", ErrRequired)}
	}
	subnet := local.Masked()
	tooSmall := func(room int) error {
		return &FieldError{Path: "underlay.local_ip", Value: local.String(),
			Err: fmt.Errorf("%w: subnet %s has room for %d multicast gateways, %d groups need one each (use a larger subnet or set underlay.mcast_gateways)", ErrInvalid, subnet, room, len(groups))}
	}
	if local.Bits() >= 31 {
		return nil, tooSmall(0)
	}
	first := int64(u32(subnet.Addr())) + 1  // the network address is not a host,
	next := int64(u32(lastAddr(local))) - 1 // nor is the broadcast address
	for i, g := range groups {
		for ; next >= first; next-- {
			a := addr(uint32(next))
			if a != local.Addr() && !contains(c.Flood.Peers, a) {
				break
			}
		}
		if next < first {
			return nil, tooSmall(i)
		}
		out[i] = GroupGateway{Group: g, Gateway: addr(uint32(next))}
		next--
	}
	return out, nil
}

func lastAddr(p netip.Prefix) netip.Addr {
	host := uint32(1)<<(32-p.Bits()) - 1
	return addr(u32(p.Masked().Addr()) | host)
}

func u32(a netip.Addr) uint32 { b := a.As4(); return binary.BigEndian.Uint32(b[:]) }

func addr(v uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

func sortAddrs(a []netip.Addr) {
	sort.Slice(a, func(i, j int) bool { return a[i].Less(a[j]) })
}
