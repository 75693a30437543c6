package pipeline

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// The flows OVS's learn actions put into table mac (30) are the learned MAC
// table. Each one, however it is read (OpenFlow flow stats or ovs-ofctl
// text), holds the same few values:
//
//	cookie          feature learned-remote or learned-local, and the VNI
//	match reg0      the VNI again (RegVNI)
//	match dl_dst    the MAC
//	action reg2     the remote VTEP's IPv4 address (RegRemoteVTEP), 0 for a local MAC
//	action reg3     the port the MAC was learned on (RegOutPort)
//
// Readers collect those values into a LearnedFlow and DecodeLearned says,
// in vtep's terms, where the MAC is.

// ErrNotLearned is returned by DecodeLearned for a flow whose cookie is not
// that of a learned MAC: readers of table mac skip such flows.
var ErrNotLearned = errors.New("not a learned MAC flow")

// LearnedFlow holds the values of a learned flow, as read from a switch.
type LearnedFlow struct {
	// Cookie is the flow's cookie.
	Cookie Cookie
	// VNI is the value of the match on reg0; HasVNI says whether the flow
	// matches reg0 at all.
	VNI    uint32
	HasVNI bool
	// MAC is the match on dl_dst (nil when the flow has none).
	MAC net.HardwareAddr
	// Loads holds the immediate values the actions load, by register
	// number, shifted to their place in the register.
	Loads map[int]uint64
}

// LearnedMAC is one entry of the learned MAC table.
type LearnedMAC struct {
	// VNI is the network the MAC is in.
	VNI uint32
	// MAC is the learned address.
	MAC net.HardwareAddr
	// Remote is true for a MAC behind another VTEP, false for a MAC on a
	// local port.
	Remote bool
	// VTEP is the remote VTEP's address (invalid for a local MAC).
	VTEP netip.Addr
	// Port is the OpenFlow port the MAC was learned on (the tunnel port
	// for a remote MAC); 0 when the flow does not load it.
	Port uint32
}

// DecodeLearned decodes a learned flow. It returns ErrNotLearned for a flow
// of another feature, and an error naming the flow's cookie for a learned
// flow of the wrong shape: no MAC, a reg0 VNI that disagrees with the
// cookie's, a remote MAC without a VTEP address or a local one with one.
func DecodeLearned(f LearnedFlow) (LearnedMAC, error) {
	feat := f.Cookie.Feature()
	if feat != FeatureLearnedRemote && feat != FeatureLearnedLocal {
		return LearnedMAC{}, ErrNotLearned
	}
	e := LearnedMAC{VNI: f.Cookie.VNI(), MAC: f.MAC, Remote: feat == FeatureLearnedRemote}
	if len(f.MAC) != 6 {
		return e, fmt.Errorf("learned flow (cookie %#x): no dl_dst match", uint64(f.Cookie))
	}
	if f.HasVNI && f.VNI&0xffffff != e.VNI {
		return e, fmt.Errorf("learned flow (cookie %#x): reg0 VNI %d differs from the cookie's VNI %d", uint64(f.Cookie), f.VNI&0xffffff, e.VNI)
	}
	vtep, loaded := f.Loads[int(RegRemoteVTEP.Field.Field)]
	switch {
	case e.Remote && (!loaded || vtep == 0):
		return e, fmt.Errorf("learned-remote flow (cookie %#x) for %s: loads no VTEP address into reg2", uint64(f.Cookie), f.MAC)
	case !e.Remote && vtep != 0:
		return e, fmt.Errorf("learned-local flow (cookie %#x) for %s: loads VTEP address %#x into reg2", uint64(f.Cookie), f.MAC, vtep)
	case e.Remote:
		e.VTEP = netip.AddrFrom4([4]byte{byte(vtep >> 24), byte(vtep >> 16), byte(vtep >> 8), byte(vtep)})
	}
	if p, ok := f.Loads[int(RegOutPort.Field.Field)]; ok {
		e.Port = uint32(p & 0xffff)
	}
	return e, nil
}
