package labs

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// EVPN is the BGP EVPN configuration of an FRR node of a lab (a router or
// an FRR physical VTEP): one iBGP or eBGP session per neighbour, with the
// l2vpn evpn address family.
type EVPN struct {
	// ASN is the node's autonomous system number (required).
	ASN uint32 `yaml:"asn"`
	// RouterID is the BGP router ID (default: the node's underlay address).
	RouterID string `yaml:"router_id,omitempty"`
	// RouteReflector makes every neighbour a route-reflector client (iBGP
	// neighbours only).
	RouteReflector bool `yaml:"route_reflector,omitempty"`
	// Neighbors are the BGP peers (at least one).
	Neighbors []EVPNNeighbor `yaml:"neighbors"`
}

// EVPNNeighbor is one BGP peer.
type EVPNNeighbor struct {
	Address  string `yaml:"address"`
	ASN      uint32 `yaml:"asn"`
	Password string `yaml:"password,omitempty"` // TCP MD5 secret; empty: none
}

// Router is an FRR node on the underlay: a namespace whose eth0 holds IP,
// running zebra and, with EVPN, bgpd.
type Router struct {
	Name string `yaml:"name"`
	IP   string `yaml:"ip,omitempty"` // address with prefix on eth0, cabled to ul
	// Interfaces are its interfaces on other switches (routed underlay).
	Interfaces []RouterInterface `yaml:"interfaces,omitempty"`
	// Loopback is an address with prefix on lo (a PIM RP's address, so
	// that the RP's shared tree has no incoming interface of a link).
	Loopback string `yaml:"loopback,omitempty"`
	// Routes are static kernel routes.
	Routes []StaticRoute `yaml:"routes,omitempty"`
	// PIM, when set, runs pimd (PIM-SM and IGMP on every interface).
	PIM *PIM `yaml:"pim,omitempty"`
	// EVPN, when set, runs bgpd with these sessions (a route reflector,
	// typically).
	EVPN *EVPN `yaml:"evpn,omitempty"`
}

// FileHypervisorEVPN is a hypervisor's evpn section: written as the
// top-level evpn key of its vtepd configuration (docs/config.md).
type FileHypervisorEVPN struct {
	ASN      uint32 `yaml:"asn"`
	RouterID string `yaml:"router_id,omitempty"`
	// Networks lists the VNIs using EVPN; empty means all of them.
	Networks  EVPNNetworks   `yaml:"networks,omitempty"`
	Neighbors []EVPNNeighbor `yaml:"neighbors"`
}

// EVPNNetworks is vtepd's evpn.networks: "all" (nil, the default) or a list
// of VNIs.
type EVPNNetworks []int

// UnmarshalYAML accepts "all" or a list of VNIs (an empty list is an error:
// it would mean EVPN for no network; omit the key or say all).
func (n *EVPNNetworks) UnmarshalYAML(v *yaml.Node) error {
	if v.Kind == yaml.ScalarNode && v.Value == "all" {
		*n = nil
		return nil
	}
	var vnis []int
	if err := v.Decode(&vnis); err != nil {
		return fmt.Errorf("line %d: evpn networks: want \"all\" or a list of VNIs", v.Line)
	}
	if len(vnis) == 0 {
		return fmt.Errorf("line %d: evpn networks: an empty list names no VNI (omit the key or write all)", v.Line)
	}
	*n = vnis
	return nil
}

// passwordRe is what a lab's BGP password may hold: it is one word on FRR's
// command line and in vtepd's YAML.
var passwordRe = regexp.MustCompile(`^[A-Za-z0-9_.+=@%^~-]*$`)

// maxPassword bounds a BGP password (FRR's limit is 80 characters).
const maxPassword = 80

// evpn checks an FRR node's EVPN settings; self is the node's underlay
// address, never one of its neighbours.
func (v *validator) evpn(f string, e *EVPN, self string) {
	if e == nil {
		return
	}
	v.bgpCommon(f, e.ASN, e.RouterID, e.Neighbors, self)
	for j, n := range e.Neighbors {
		if e.RouteReflector && n.ASN != 0 && e.ASN != 0 && n.ASN != e.ASN {
			v.add("%s.neighbors[%d].asn: %d differs from the route reflector's asn %d (route-reflector clients are iBGP peers)", f, j, n.ASN, e.ASN)
		}
	}
}

// bgpCommon checks what FRR nodes and vtepd's evpn sections share: the
// ASN, the router ID and the neighbours.
func (v *validator) bgpCommon(f string, asn uint32, routerID string, ns []EVPNNeighbor, self string) {
	if asn == 0 {
		v.add("%s.asn: required (1..4294967295)", f)
	}
	if routerID != "" {
		if ip := net.ParseIP(routerID); ip == nil || ip.To4() == nil {
			v.add("%s.router_id: %q is not an IPv4 address", f, routerID)
		}
	}
	if len(ns) == 0 {
		v.add("%s.neighbors: at least one neighbour is required", f)
	}
	seen := map[string]bool{}
	for j, n := range ns {
		nf := fmt.Sprintf("%s.neighbors[%d]", f, j)
		ip := net.ParseIP(n.Address)
		switch {
		case ip == nil || ip.To4() == nil:
			v.add("%s.address: %q is not an IPv4 address", nf, n.Address)
		case ip.String() == self:
			v.add("%s.address: %s is the node's own address", nf, n.Address)
		case seen[ip.String()]:
			v.add("%s.address: %s appears twice", nf, n.Address)
		}
		if ip != nil {
			seen[ip.String()] = true
		}
		if n.ASN == 0 {
			v.add("%s.asn: required (1..4294967295)", nf)
		}
		if len(n.Password) > maxPassword {
			v.add("%s.password: %d characters, at most %d", nf, len(n.Password), maxPassword)
		}
		if !passwordRe.MatchString(n.Password) {
			v.add("%s.password: letters, digits and -_.+=@%%^~ only", nf)
		}
	}
}

// router checks a router of the topology.
func (v *validator) router(f string, r Router) {
	v.node("router", f+".name", r.Name)
	if r.IP != "" {
		v.ip(f+".ip", r.IP, "underlay")
	}
	self := ""
	ifs := r.interfaces()
	if r.Loopback != "" {
		ifs = append([]RouterInterface{{IP: r.Loopback}}, ifs...)
	}
	if len(ifs) > 0 {
		if ip, _, err := net.ParseCIDR(ifs[0].IP); err == nil {
			self = ip.String()
		}
	}
	v.evpn(f+".evpn", r.EVPN, self)
}

// physicalEVPN checks what EVPN changes for a physical VTEP: its networks
// need a host (the machine behind the VTEP's bridge) and flood to the
// VTEPs of type-3 routes rather than to a group.
func (v *validator) physicalEVPN(f string, p PhysicalVTEP) {
	self := ""
	if ip, _, err := net.ParseCIDR(p.VTEPIP); err == nil {
		self = ip.String()
	}
	v.evpn(f+".evpn", p.EVPN, self)
	for j, n := range p.Networks {
		nf := fmt.Sprintf("%s.networks[%d]", f, j)
		switch {
		case p.EVPN == nil && n.Host != "":
			v.add("%s.host: only a VTEP with evpn has hosts behind a bridge", nf)
		case p.EVPN != nil && n.Host == "":
			v.add("%s.host: required with evpn (the machine behind the VTEP's bridge)", nf)
		case p.EVPN != nil:
			v.node("host", nf+".host", n.Host)
		}
	}
}

// checkHypervisorEVPN checks a hypervisor's evpn section (vtepd's own
// checks run when vtepd reads it).
func (f *File) checkHypervisorEVPN(i int, h FileHypervisor) []error {
	if h.EVPN == nil {
		return nil
	}
	v := &validator{}
	field := fmt.Sprintf("hypervisors[%d].evpn", i)
	self := ""
	if ip, _, err := net.ParseCIDR(h.VTEPIP); err == nil {
		self = ip.String()
	}
	v.bgpCommon(field, h.EVPN.ASN, h.EVPN.RouterID, h.EVPN.Neighbors, self)
	for j, vni := range h.EVPN.Networks {
		if !f.Carries(h, vni) {
			v.add("%s.networks[%d]: VNI %d is not a network of hypervisor %q", field, j, vni, h.Name)
		}
	}
	return v.errs
}

// vtepdEVPN returns the evpn section of a hypervisor's vtepd configuration
// ("" when the hypervisor has none).
func vtepdEVPN(e *FileHypervisorEVPN) string {
	if e == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "evpn:\n  asn: %d\n", e.ASN)
	if e.RouterID != "" {
		fmt.Fprintf(&b, "  router_id: %s\n", e.RouterID)
	}
	// All networks is vtepd's default: the key is left out (vtepd takes a
	// list only).
	if len(e.Networks) > 0 {
		vnis := make([]string, len(e.Networks))
		for i, n := range e.Networks {
			vnis[i] = strconv.Itoa(n)
		}
		fmt.Fprintf(&b, "  networks: [%s]\n", strings.Join(vnis, ", "))
	}
	b.WriteString("  neighbors:\n")
	for _, n := range e.Neighbors {
		fmt.Fprintf(&b, "    - {address: %s, asn: %d", n.Address, n.ASN)
		if n.Password != "" {
			fmt.Fprintf(&b, ", password: %s", strconv.Quote(n.Password))
		}
		b.WriteString("}\n")
	}
	return b.String()
}
