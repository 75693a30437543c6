package labs

import (
	"errors"
	"fmt"
	"net"
)

// Topology describes a lab as data: an underlay switch, hypervisors (each an
// OVS instance whose underlay bridge holds its VTEP IP) and VMs attached to
// hypervisors' overlay bridges. Build turns it into namespaces and links.
type Topology struct {
	// Prefix starts the name of every namespace and run directory of the lab.
	Prefix      string
	Underlay    Underlay
	Hypervisors []Hypervisor
	VMs         []VM
	// PhysicalVTEPs are machines whose VTEP is not OVS: Linux kernel VXLAN
	// devices, an independent implementation to interoperate with.
	PhysicalVTEPs []PhysicalVTEP
}

// PhysicalVTEP is a "physical machine" with its own VTEP: a namespace whose
// eth0 is on the underlay with VTEPIP, and per network a Linux kernel VXLAN
// device (vxVNI) that holds the machine's MAC and IP in that VNI. The kernel
// floods to the group and learns remote MACs by itself.
type PhysicalVTEP struct {
	Name     string
	VTEPIP   string // address with prefix on eth0
	Networks []PhysicalNetwork
}

// PhysicalNetwork is one VNI on a physical VTEP.
type PhysicalNetwork struct {
	VNI   int
	Group string // multicast group of the VNI
	MAC   string // the machine's MAC in this VNI (on the VXLAN device)
	IP    string // the machine's address with prefix in this VNI
	MTU   int    // default 1450
}

// Underlay is the physical network joining the hypervisors: one Linux bridge
// in its own namespace.
type Underlay struct {
	// Snooping turns IGMP snooping (with a querier) on; off, the underlay
	// floods IP multicast to every port.
	Snooping bool
	// DropMulticast makes the underlay drop IP multicast altogether (an
	// underlay without multicast, for head-end replication).
	DropMulticast bool
}

// Hypervisor is a host running one OVS instance. Its uplink is eth0, a port
// of the OVS underlay bridge, which holds VTEPIP on its internal port.
type Hypervisor struct {
	Name   string // node name; its namespace is PREFIX-Name
	VTEPIP string // VTEP address with prefix, e.g. 10.0.0.1/24
	// UnderlayBridge is the OVS bridge holding the VTEP IP (default br-phy).
	UnderlayBridge string
	// OverlayBridge is the OVS bridge VM ports join (default br-int).
	OverlayBridge string
}

// VM is a host in its own namespace whose eth0 is cabled to a port of its
// hypervisor's overlay bridge.
type VM struct {
	Name       string // node name; its namespace is PREFIX-Name
	Hypervisor string // hypervisor node name
	MAC        string // eth0's address
	IP         string // address with prefix, on eth0
	MTU        int    // eth0's MTU (default 1450: 1500 minus VXLAN's 50 bytes)
	// VLAN is the VM's VLAN on the hypervisor; 0 leaves the port untagged.
	VLAN int
	// Tagged makes the VM send and receive 802.1Q-tagged frames of VLAN (the
	// port becomes a trunk of VLAN); otherwise the port is an access port of
	// VLAN (OVS tag) and the VM's frames are untagged.
	Tagged bool
	// Port is the name of the hypervisor side of the cable (default Name).
	Port string
}

// Defaults used where a topology leaves a field empty.
const (
	DefaultUnderlayBridge = "br-phy"
	DefaultOverlayBridge  = "br-int"
	DefaultVMMTU          = 1450
	// UnderlayBridgeName is the Linux bridge of the underlay namespace.
	UnderlayBridgeName = "br-ul"
	// UnderlayNode is the node name of the underlay switch.
	UnderlayNode = "ul"
)

func (h Hypervisor) underlayBridge() string {
	if h.UnderlayBridge == "" {
		return DefaultUnderlayBridge
	}
	return h.UnderlayBridge
}

func (h Hypervisor) overlayBridge() string {
	if h.OverlayBridge == "" {
		return DefaultOverlayBridge
	}
	return h.OverlayBridge
}

func (v VM) port() string {
	if v.Port == "" {
		return v.Name
	}
	return v.Port
}

func (v VM) mtu() int {
	if v.MTU == 0 {
		return DefaultVMMTU
	}
	return v.MTU
}

// MaxPrefix is the longest lab prefix.
const MaxPrefix = 8

// maxNode keeps PREFIX-NODE within interface-name length, so a node name can
// also serve as the name of its cable on the underlay switch.
const maxNode = 10

// Validate checks the whole topology before anything is created: names,
// duplicates, addresses and references. It returns every problem found.
func (t Topology) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if err := ValidateName("lab prefix", t.Prefix, MaxPrefix); err != nil {
		errs = append(errs, err)
	}
	nodes := map[string]string{UnderlayNode: "underlay"}
	ips := map[string]string{}
	node := func(kind, field, name string) {
		if err := ValidateName(kind, name, maxNode); err != nil {
			add("%s: %w", field, err)
			return
		}
		if prev, dup := nodes[name]; dup {
			add("%s: node name %q is already used by %s", field, name, prev)
			return
		}
		nodes[name] = field
	}
	// Addresses must be unique within their network: the underlay, or one
	// overlay segment (a VM's VLAN, a physical VTEP's VNI). Tenants in
	// different segments may reuse addresses; File.Check also compares VMs
	// and physical machines by VNI.
	ip := func(field, s, scope string) {
		a, _, err := ParseCIDR(field, s)
		if err != nil {
			errs = append(errs, err)
			return
		}
		k := scope + " " + a.String()
		if prev, dup := ips[k]; dup {
			add("%s: address %s is already used by %s", field, a, prev)
			return
		}
		ips[k] = field
	}
	hvs := map[string]Hypervisor{}
	for i, h := range t.Hypervisors {
		f := fmt.Sprintf("hypervisors[%d]", i)
		node("hypervisor", f+".name", h.Name)
		ip(f+".vtep_ip", h.VTEPIP, "underlay")
		for _, br := range []string{h.underlayBridge(), h.overlayBridge()} {
			if err := ValidateName("bridge", br, MaxIfName); err != nil {
				add("%s: %w", f, err)
			}
		}
		hvs[h.Name] = h
	}
	if t.Underlay.Snooping && t.Underlay.DropMulticast {
		add("underlay: snooping and drop_multicast exclude each other")
	}
	for i, p := range t.PhysicalVTEPs {
		f := fmt.Sprintf("physical_vteps[%d]", i)
		node("physical vtep", f+".name", p.Name)
		ip(f+".vtep_ip", p.VTEPIP, "underlay")
		vnis := map[int]bool{}
		for j, n := range p.Networks {
			nf := fmt.Sprintf("%s.networks[%d]", f, j)
			if n.VNI < 1 || n.VNI > 1<<24-1 {
				add("%s.vni: %d out of range 1..16777215", nf, n.VNI)
			}
			if vnis[n.VNI] {
				add("%s.vni: %d appears twice on %q", nf, n.VNI, p.Name)
			}
			vnis[n.VNI] = true
			if g := net.ParseIP(n.Group); g == nil || g.To4() == nil || !g.IsMulticast() {
				add("%s.group: %q is not an IPv4 multicast address", nf, n.Group)
			}
			if _, err := ParseMAC(nf+".mac", n.MAC); err != nil {
				errs = append(errs, err)
			}
			ip(nf+".ip", n.IP, fmt.Sprintf("vni %d", n.VNI))
			if n.MTU != 0 && (n.MTU < 68 || n.MTU > 9000) {
				add("%s.mtu: %d out of range 68..9000", nf, n.MTU)
			}
		}
	}
	ports := map[string]bool{}
	for i, v := range t.VMs {
		f := fmt.Sprintf("vms[%d]", i)
		node("vm", f+".name", v.Name)
		if _, ok := hvs[v.Hypervisor]; !ok {
			add("%s.hypervisor: %q is not a hypervisor of this lab", f, v.Hypervisor)
		}
		if _, err := ParseMAC(f+".mac", v.MAC); err != nil {
			errs = append(errs, err)
		}
		ip(f+".ip", v.IP, fmt.Sprintf("vlan %d", v.VLAN))
		if v.VLAN < 0 || v.VLAN > 4094 {
			add("%s.vlan: %d out of range 1..4094 (0: untagged)", f, v.VLAN)
		}
		if v.Tagged && v.VLAN == 0 {
			add("%s.tagged: a tagged VM needs a vlan", f)
		}
		if v.MTU != 0 && (v.MTU < 68 || v.MTU > 9000) {
			add("%s.mtu: %d out of range 68..9000", f, v.MTU)
		}
		if err := ValidateName("port", v.port(), MaxIfName); err != nil {
			add("%s.port: %w", f, err)
		}
		key := v.Hypervisor + "/" + v.port()
		if ports[key] {
			add("%s.port: %q is already a port on hypervisor %q", f, v.port(), v.Hypervisor)
		}
		ports[key] = true
	}
	return errors.Join(errs...)
}

// Netns returns the namespace name of a node.
func (t Topology) Netns(node string) string { return t.Prefix + "-" + node }

// mustIP returns the address part of a CIDR already validated.
func mustIP(cidr string) net.IP {
	ip, _, _ := net.ParseCIDR(cidr)
	return ip
}
