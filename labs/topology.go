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
	// Routers are FRR nodes on the underlay (a BGP route reflector, the
	// routers of a routed underlay).
	Routers []Router
	// Switches are underlay switches besides ul (a routed underlay).
	Switches []Switch
}

// PhysicalVTEP is a "physical machine" with its own VTEP: a namespace whose
// eth0 is on the underlay with VTEPIP, and per network a Linux kernel VXLAN
// device (vxVNI) that holds the machine's MAC and IP in that VNI. The kernel
// floods to the group and learns remote MACs by itself.
//
// With EVPN the machine is an FRR VTEP instead: per network a Linux bridge
// brVNI holds the VXLAN device (nolearning, bridge port learning off) and
// a cable to the network's host, a namespace with the machine's MAC and IP;
// zebra and bgpd (advertise-all-vni) advertise the bridge's MACs and
// install the remote ones and the flood list from the routes they receive.
type PhysicalVTEP struct {
	Name     string
	VTEPIP   string // address with prefix on eth0
	Networks []PhysicalNetwork
	EVPN     *EVPN `yaml:"evpn,omitempty"`
}

// PhysicalNetwork is one VNI on a physical VTEP.
type PhysicalNetwork struct {
	VNI   int
	Group string // multicast group of the VNI
	MAC   string // the machine's MAC in this VNI (on the VXLAN device)
	IP    string // the machine's address with prefix in this VNI
	MTU   int    // default 1450
	// Host is the node name of the machine behind an EVPN VTEP's bridge
	// (EVPN only; it holds MAC and IP).
	Host string `yaml:"host,omitempty"`
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
	// Switch is the node name of the switch its uplink is cabled to
	// (default ul).
	Switch string
	// Gateway, when set, is its default route's next hop (its rack's
	// router, in a routed underlay).
	Gateway string
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
	v := &validator{nodes: map[string]string{UnderlayNode: "underlay"}, ips: map[string]string{}}
	if err := ValidateName("lab prefix", t.Prefix, MaxPrefix); err != nil {
		v.errs = append(v.errs, err)
	}
	hvs := map[string]Hypervisor{}
	for i, h := range t.Hypervisors {
		f := fmt.Sprintf("hypervisors[%d]", i)
		v.node("hypervisor", f+".name", h.Name)
		v.ip(f+".vtep_ip", h.VTEPIP, "underlay")
		for _, br := range []string{h.underlayBridge(), h.overlayBridge()} {
			if err := ValidateName("bridge", br, MaxIfName); err != nil {
				v.add("%s: %w", f, err)
			}
		}
		hvs[h.Name] = h
	}
	if t.Underlay.Snooping && t.Underlay.DropMulticast {
		v.add("underlay: snooping and drop_multicast exclude each other")
	}
	for i, p := range t.PhysicalVTEPs {
		v.physicalVTEP(fmt.Sprintf("physical_vteps[%d]", i), p)
		v.physicalEVPN(fmt.Sprintf("physical_vteps[%d]", i), p)
	}
	for i, r := range t.Routers {
		v.router(fmt.Sprintf("routers[%d]", i), r)
	}
	v.checkRouted(t)
	ports := map[string]bool{}
	for i, vm := range t.VMs {
		f := fmt.Sprintf("vms[%d]", i)
		v.node("vm", f+".name", vm.Name)
		if _, ok := hvs[vm.Hypervisor]; !ok {
			v.add("%s.hypervisor: %q is not a hypervisor of this lab", f, vm.Hypervisor)
		}
		v.vm(f, vm)
		key := vm.Hypervisor + "/" + vm.port()
		if ports[key] {
			v.add("%s.port: %q is already a port on hypervisor %q", f, vm.port(), vm.Hypervisor)
		}
		ports[key] = true
	}
	return errors.Join(v.errs...)
}

// validator collects a topology's errors, and the node names and addresses
// seen so far.
type validator struct {
	errs  []error
	nodes map[string]string // node name -> the field that named it
	ips   map[string]string // scope and address -> the field that gave it
}

func (v *validator) add(format string, a ...any) { v.errs = append(v.errs, fmt.Errorf(format, a...)) }

// node checks a node name and that no other node has it.
func (v *validator) node(kind, field, name string) {
	if err := ValidateName(kind, name, maxNode); err != nil {
		v.add("%s: %w", field, err)
		return
	}
	if prev, dup := v.nodes[name]; dup {
		v.add("%s: node name %q is already used by %s", field, name, prev)
		return
	}
	v.nodes[name] = field
}

// ip checks an address with prefix and that it is unique in its scope.
// Addresses must be unique within their network: the underlay, or one
// overlay segment (a VM's VLAN, a physical VTEP's VNI). Tenants in
// different segments may reuse addresses; File.Check also compares VMs and
// physical machines by VNI.
func (v *validator) ip(field, s, scope string) {
	a, _, err := ParseCIDR(field, s)
	if err != nil {
		v.errs = append(v.errs, err)
		return
	}
	k := scope + " " + a.String()
	if prev, dup := v.ips[k]; dup {
		v.add("%s: address %s is already used by %s", field, a, prev)
		return
	}
	v.ips[k] = field
}

func (v *validator) physicalVTEP(f string, p PhysicalVTEP) {
	v.node("physical vtep", f+".name", p.Name)
	v.ip(f+".vtep_ip", p.VTEPIP, "underlay")
	vnis := map[int]bool{}
	for j, n := range p.Networks {
		nf := fmt.Sprintf("%s.networks[%d]", f, j)
		if n.VNI < 1 || n.VNI > 1<<24-1 {
			v.add("%s.vni: %d out of range 1..16777215", nf, n.VNI)
		}
		if vnis[n.VNI] {
			v.add("%s.vni: %d appears twice on %q", nf, n.VNI, p.Name)
		}
		vnis[n.VNI] = true
		switch g := net.ParseIP(n.Group); {
		case p.EVPN != nil && n.Group != "":
			v.add("%s.group: an EVPN VTEP floods to the VTEPs of its type-3 routes, not to a group", nf)
		case p.EVPN == nil && (g == nil || g.To4() == nil || !g.IsMulticast()):
			v.add("%s.group: %q is not an IPv4 multicast address", nf, n.Group)
		}
		if _, err := ParseMAC(nf+".mac", n.MAC); err != nil {
			v.errs = append(v.errs, err)
		}
		v.ip(nf+".ip", n.IP, fmt.Sprintf("vni %d", n.VNI))
		if n.MTU != 0 && (n.MTU < 68 || n.MTU > 9000) {
			v.add("%s.mtu: %d out of range 68..9000", nf, n.MTU)
		}
	}
}

func (v *validator) vm(f string, vm VM) {
	if _, err := ParseMAC(f+".mac", vm.MAC); err != nil {
		v.errs = append(v.errs, err)
	}
	v.ip(f+".ip", vm.IP, fmt.Sprintf("vlan %d", vm.VLAN))
	if vm.VLAN < 0 || vm.VLAN > 4094 {
		v.add("%s.vlan: %d out of range 1..4094 (0: untagged)", f, vm.VLAN)
	}
	if vm.Tagged && vm.VLAN == 0 {
		v.add("%s.tagged: a tagged VM needs a vlan", f)
	}
	if vm.MTU != 0 && (vm.MTU < 68 || vm.MTU > 9000) {
		v.add("%s.mtu: %d out of range 68..9000", f, vm.MTU)
	}
	if err := ValidateName("port", vm.port(), MaxIfName); err != nil {
		v.add("%s.port: %w", f, err)
	}
}

// Netns returns the namespace name of a node.
func (t Topology) Netns(node string) string { return t.Prefix + "-" + node }

// mustIP returns the address part of a CIDR already validated.
func mustIP(cidr string) net.IP {
	ip, _, _ := net.ParseCIDR(cidr)
	return ip
}
