package evpn

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"slices"
)

// LocalMAC is a MAC on a local port of an EVPN network: learned in the
// data plane or static (port security).
type LocalMAC struct {
	VNI uint32
	MAC net.HardwareAddr
	// IP is the MAC's address when a binding is known (MAC+IP route).
	IP netip.Addr
	// Static MACs are never moved away by a remote route.
	Static bool
}

// macKey identifies a MAC in a network.
type macKey struct {
	vni uint32
	mac [6]byte
}

func keyOf(vni uint32, mac net.HardwareAddr) macKey {
	k := macKey{vni: vni}
	copy(k.mac[:], mac)
	return k
}

func (k macKey) String() string { return fmt.Sprintf("%d/%s", k.vni, net.HardwareAddr(k.mac[:])) }

// newer reports whether remote route r beats a local advertisement with
// sequence seq (RFC 7432 §15.1: the higher sequence number wins; on a tie
// the lower VTEP address).
func newer(r Route, seq uint32, localIP netip.Addr) bool {
	return r.Seq > seq || r.Seq == seq && r.VTEP.Less(localIP)
}

// plan decides, for the local MACs, the sequence number each is advertised
// with and which ones the data plane must forget because a newer route
// from another VTEP says the MAC has moved there (RFC 7432 §15).
//
// A MAC already advertised keeps its sequence until a remote route beats
// it: then it is evicted (its learned entry is deleted, so the remote entry
// below it takes over; if the MAC really is still here, it is learned
// again and re-advertised). A MAC not advertised yet gets the best remote
// route's sequence plus one, so it wins everywhere, or 0 if there is none.
// Static MACs are never evicted.
func plan(locals []LocalMAC, advertised map[macKey]uint32, remote map[macKey]Route, localIP netip.Addr) (want map[macKey]uint32, evict []LocalMAC) {
	want = make(map[macKey]uint32, len(locals))
	for _, m := range locals {
		k := keyOf(m.VNI, m.MAC)
		r, hasRemote := remote[k]
		seq, adv := advertised[k]
		switch {
		case adv && hasRemote && newer(r, seq, localIP) && !m.Static:
			evict = append(evict, m)
		case adv && hasRemote && newer(r, seq, localIP):
			want[k] = r.Seq + 1
		case adv:
			want[k] = seq
		case hasRemote:
			want[k] = r.Seq + 1
		default:
			want[k] = 0
		}
	}
	slices.SortFunc(evict, func(a, b LocalMAC) int {
		if a.VNI != b.VNI {
			return int(a.VNI) - int(b.VNI)
		}
		return bytes.Compare(a.MAC, b.MAC)
	})
	return want, evict
}

// bestRemote returns, per MAC, the winning route among routes from other
// VTEPs (higher sequence, then lower VTEP address).
func bestRemote(routes []Route, localIP netip.Addr) map[macKey]Route {
	best := map[macKey]Route{}
	for _, r := range routes {
		if r.Type != TypeMAC || r.VTEP == localIP {
			continue
		}
		k := keyOf(r.VNI, r.MAC)
		if b, ok := best[k]; !ok || r.Seq > b.Seq || r.Seq == b.Seq && r.VTEP.Less(b.VTEP) {
			best[k] = r
		}
	}
	return best
}
