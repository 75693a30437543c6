package api

// UplinkStatus is what vtepd found of the uplink's kernel ARP setting, read
// in its network namespace at start and on each periodic resync. The
// kernel must not answer ARP for the VTEP address on the uplink: the
// address lives on the underlay bridge's internal port, and an answer with
// the uplink's MAC sends peers' VXLAN packets to a MAC OVS does not
// decapsulate (a kernel VTEP loses its first packets). A warning, not a
// failed health check: forwarding works once the peers resolve again.
type UplinkStatus struct {
	// Name is underlay.uplink.
	Name string `json:"name"`
	// ARPIgnore is net.ipv4.conf.<uplink>.arp_ignore, and ARPIgnoreAll
	// net.ipv4.conf.all.arp_ignore; the kernel applies the larger.
	// Both are -1 when they could not be read (Error says why).
	ARPIgnore    int `json:"arp_ignore"`
	ARPIgnoreAll int `json:"arp_ignore_all"`
	// Warning says what is wrong and how to fix it; empty when the kernel
	// does not answer ARP for the VTEP address on the uplink.
	Warning string `json:"warning,omitempty"`
	// Error is why the setting could not be read (e.g. the uplink is no
	// kernel interface in vtepd's network namespace).
	Error string `json:"error,omitempty"`
}
