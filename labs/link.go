package labs

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// End is one end of a veth pair: its name and the namespace it lives in.
type End struct {
	Netns string
	Name  string
	MAC   net.HardwareAddr // nil: kernel's choice
	MTU   int              // 0: default
}

func (e End) String() string { return fmt.Sprintf("%s/%s", e.Netns, e.Name) }

func nsFd(name string) (netns.NsHandle, error) {
	if name == "" {
		return netns.Get()
	}
	return netns.GetFromName(name)
}

// AddVeth creates a veth pair whose ends are placed directly in their
// namespaces, sets MACs and MTUs, turns tx checksum offload off on both (the
// userspace datapath needs it: otherwise TCP and UDP arrive with bad
// checksums) and brings both up.
func AddVeth(ctx context.Context, a, b End) error {
	obj := fmt.Sprintf("veth %s <-> %s", a, b)
	for _, e := range []End{a, b} {
		if err := ValidateName("interface", e.Name, MaxIfName); err != nil {
			return err
		}
	}
	nsA, err := nsFd(a.Netns)
	if err != nil {
		return wrap(obj, "open namespace "+a.Netns, err)
	}
	defer nsA.Close()
	nsB, err := nsFd(b.Netns)
	if err != nil {
		return wrap(obj, "open namespace "+b.Netns, err)
	}
	defer nsB.Close()
	// A temporary name in the caller's namespace would collide between labs;
	// creating the pair from inside a's namespace keeps every name local.
	err = withHandle(a.Netns, func(h *netlink.Handle) error {
		v := &netlink.Veth{
			LinkAttrs:        netlink.LinkAttrs{Name: a.Name, HardwareAddr: a.MAC, MTU: a.MTU},
			PeerName:         b.Name,
			PeerHardwareAddr: b.MAC,
			PeerNamespace:    netlink.NsFd(int(nsB)),
		}
		if b.MTU != 0 {
			v.PeerMTU = uint32(b.MTU)
		}
		return h.LinkAdd(v)
	})
	if err != nil {
		return wrap(obj, "create", err)
	}
	for _, e := range []End{a, b} {
		if err := SetOffload(ctx, e.Netns, e.Name, false); err != nil {
			return wrap(obj, "turn tx checksum offload off", err)
		}
		if err := LinkUp(e.Netns, e.Name); err != nil {
			return err
		}
	}
	return nil
}

// SetOffload turns tx checksum offload of an interface on or off (ethtool -K IF tx on|off).
func SetOffload(ctx context.Context, ns, ifname string, on bool) error {
	state := "off"
	if on {
		state = "on"
	}
	_, err := Exec(ctx, ns, "ethtool", "-K", ifname, "tx", state)
	return err
}

// LinkUp brings an interface up.
func LinkUp(ns, name string) error {
	return withHandle(ns, func(h *netlink.Handle) error {
		l, err := h.LinkByName(name)
		if err != nil {
			return wrap(fmt.Sprintf("interface %s/%s", ns, name), "find", err)
		}
		return wrap(fmt.Sprintf("interface %s/%s", ns, name), "set up", h.LinkSetUp(l))
	})
}

// AddAddr assigns an address with prefix ("10.0.0.1/24") to an interface.
func AddAddr(ns, ifname, cidr string) error {
	obj := fmt.Sprintf("interface %s/%s", ns, ifname)
	addr, err := netlink.ParseAddr(cidr)
	if err != nil {
		return wrap(obj, "parse address "+strconv.Quote(cidr), err)
	}
	return withHandle(ns, func(h *netlink.Handle) error {
		l, err := h.LinkByName(ifname)
		if err != nil {
			return wrap(obj, "find", err)
		}
		return wrap(obj, "add address "+cidr, h.AddrAdd(l, addr))
	})
}

// LinkMAC returns an interface's Ethernet address.
func LinkMAC(ns, ifname string) (net.HardwareAddr, error) {
	var mac net.HardwareAddr
	err := withHandle(ns, func(h *netlink.Handle) error {
		l, err := h.LinkByName(ifname)
		if err != nil {
			return wrap(fmt.Sprintf("interface %s/%s", ns, ifname), "find", err)
		}
		mac = l.Attrs().HardwareAddr
		return nil
	})
	return mac, err
}

// BridgeOptions choose a Linux bridge's IP multicast behaviour.
type BridgeOptions struct {
	// Snooping turns IGMP snooping on: multicast reaches only ports with
	// members. With it, the bridge also acts as IGMP querier so that hosts
	// keep reporting their memberships. Off: multicast floods to all ports.
	Snooping bool
}

// AddBridge creates a Linux bridge in a namespace and brings it up.
func AddBridge(ctx context.Context, ns, name string, opt BridgeOptions) error {
	obj := fmt.Sprintf("bridge %s/%s", ns, name)
	if err := ValidateName("interface", name, MaxIfName); err != nil {
		return err
	}
	snoop := "0"
	if opt.Snooping {
		snoop = "1"
	}
	// netlink lacks the querier attributes; iproute2 sets them.
	// The querier speaks IGMPv3 so that hosts stay in v3 mode: a Linux
	// bridge forwards a v2 report (addressed to the group) to the group's
	// members, and a v2 host that hears another member's report suppresses
	// its own, so it would stay unregistered until the next general query.
	// Once the querier is on, the bridge floods all multicast for one query
	// response interval (default 10 s) before it forwards by membership; the
	// interval is 1 s (100 cs) here, and it must be set before the querier
	// is turned on, which starts that wait with the interval of the moment.
	if _, err := Exec(ctx, ns, "ip", "link", "add", name, "type", "bridge",
		"mcast_snooping", snoop, "mcast_igmp_version", "3", "mcast_query_response_interval", "100"); err != nil {
		return wrap(obj, "create", err)
	}
	if _, err := Exec(ctx, ns, "ip", "link", "set", name, "type", "bridge", "mcast_querier", snoop); err != nil {
		return wrap(obj, "set querier", err)
	}
	return LinkUp(ns, name)
}

// SetMaster attaches an interface to a bridge.
func SetMaster(ns, ifname, bridge string) error {
	obj := fmt.Sprintf("interface %s/%s", ns, ifname)
	return withHandle(ns, func(h *netlink.Handle) error {
		l, err := h.LinkByName(ifname)
		if err != nil {
			return wrap(obj, "find", err)
		}
		br, err := h.LinkByName(bridge)
		if err != nil {
			return wrap(obj, "find bridge "+bridge, err)
		}
		return wrap(obj, "attach to "+bridge, h.LinkSetMaster(l, br))
	})
}
