package pipeline

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// The bindings of ARP suppression are the flows of table neigh (35) that
// hold a MAC: learned ones (cookie learned-neigh, made by neigh-learn's
// learn action) and static ones (neigh-static, programmed). Each holds:
//
//	cookie          feature, and the VNI
//	match arp_tpa   the IP (nd_target for an IPv6 binding)
//	action reg4     the MAC's low 32 bits (RegNeighMACLow)
//	action reg5     its high 16 bits (RegNeighMACHigh)
//
// The gratuitous-ARP entries beside them hold no MAC and are no bindings.

// ErrNotBinding is returned by DecodeNeigh for a flow of table neigh that
// is not a binding: readers skip such flows.
var ErrNotBinding = errors.New("not an ARP suppression binding")

// NeighFlow holds the values of a flow of table neigh, as read from a
// switch.
type NeighFlow struct {
	// Cookie is the flow's cookie.
	Cookie Cookie
	// IP is the match on arp_tpa or nd_target (invalid when the flow has
	// neither).
	IP netip.Addr
	// Loads holds the immediate values the actions load, by register
	// number, shifted to their place in the register.
	Loads map[int]uint64
}

// Binding is one IP -> MAC binding of a network.
type Binding struct {
	VNI uint32
	IP  netip.Addr
	MAC net.HardwareAddr
	// Static is true for a programmed binding (a secured port's allowed
	// IP, Network.Neighbours), false for one learned from an ARP sender.
	Static bool
}

// DecodeNeigh decodes a binding flow of table neigh. It returns
// ErrNotBinding for flows of other features, and an error naming the
// cookie for a binding without an address or a MAC.
func DecodeNeigh(f NeighFlow) (Binding, error) {
	feat := f.Cookie.Feature()
	if feat != FeatureLearnedNeigh && feat != FeatureNeighStatic {
		return Binding{}, ErrNotBinding
	}
	b := Binding{VNI: f.Cookie.VNI(), IP: f.IP, Static: feat == FeatureNeighStatic}
	if !f.IP.IsValid() {
		return b, fmt.Errorf("binding flow (cookie %#x): no arp_tpa or nd_target match", uint64(f.Cookie))
	}
	low, okLow := f.Loads[int(RegNeighMACLow.Field.Field)]
	high, okHigh := f.Loads[int(RegNeighMACHigh.Field.Field)]
	if !okLow || !okHigh {
		return b, fmt.Errorf("binding flow (cookie %#x) for %s: loads no MAC into reg4 and reg5", uint64(f.Cookie), f.IP)
	}
	v := (high&0xffff)<<32 | low&0xffffffff
	b.MAC = net.HardwareAddr{byte(v >> 40), byte(v >> 32), byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
	return b, nil
}
