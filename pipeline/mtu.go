package pipeline

// VXLANOverhead is what VXLAN over IPv4 adds to a frame sent into the
// tunnel: outer Ethernet 14, IPv4 20, UDP 8 and VXLAN 8 bytes. The
// userspace datapath does not fragment the outer packet, so a VM's IP
// packet fits only if it is at most the underlay MTU minus this.
const VXLANOverhead = 14 + 20 + 8 + 8

// MaxVMMTU is the largest VM MTU whose frames the underlay carries once
// encapsulated (its MTU minus VXLANOverhead); 0 when the underlay's MTU is
// unknown.
func (u Underlay) MaxVMMTU() int {
	if u.MTU <= VXLANOverhead {
		return 0
	}
	return u.MTU - VXLANOverhead
}

// Oversize reports whether the port can send frames that the underlay
// cannot carry once encapsulated: its MTU is above u.MaxVMMTU(). A port or
// underlay whose MTU is unknown (0) is not flagged. Tagged frames leave
// their VLAN tag behind before the tunnel, so trunks need no more.
func (p Port) Oversize(u Underlay) bool {
	limit := u.MaxVMMTU()
	return p.MTU > 0 && limit > 0 && p.MTU > limit
}
