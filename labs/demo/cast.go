package demo

import (
	"fmt"
	"strings"

	"github.com/vtep/vtep/labs"
)

// Cast is who plays which part in the walk-through: A and B are VMs in one
// VNI on different hypervisors; the others are the VTEPs that carry the VNI
// but neither A nor B.
type Cast struct {
	A, B     labs.FileVM
	HVA, HVB labs.FileHypervisor
	VNI      int
	Group    string
	// Bystanders are the OVS VTEPs of the VNI other than A's and B's.
	Bystanders []labs.FileHypervisor
	// Physical are the kernel VXLAN VTEPs of the VNI.
	Physical []labs.FilePhysicalVTEP
	// Carriers are every hypervisor carrying the VNI (group members).
	Carriers []string
	// IPA, IPB are the VMs' addresses without prefix; VTEPA, VTEPB their
	// hypervisors' VTEP addresses.
	IPA, IPB     string
	VTEPA, VTEPB string
	// UnderlayCables are the underlay switch ports of the VTEPs, in file order.
	UnderlayCables   []string
	UnderlaySnooping bool
}

// NewCast picks A, B and the bystanders from a lab file: the first two VMs
// whose VLANs map to one VNI on two different hypervisors.
func NewCast(f *labs.File) (*Cast, error) {
	if f.VTEP.Flood != "" && f.VTEP.Flood != "multicast" {
		return nil, fmt.Errorf("lab %q: the demo shows multicast flooding; vtep.flood is %q", f.Prefix, f.VTEP.Flood)
	}
	for i, a := range f.VMs {
		vni := f.VNIOf(a.Hypervisor, a.VLAN)
		if vni == 0 {
			continue
		}
		for _, b := range f.VMs[i+1:] {
			if b.Hypervisor != a.Hypervisor && f.VNIOf(b.Hypervisor, b.VLAN) == vni {
				return newCast(f, a, b, vni), nil
			}
		}
	}
	return nil, fmt.Errorf("lab %q: the demo needs two VMs with a VLAN that maps to the same VNI on two different hypervisors; this lab has none", f.Prefix)
}

func newCast(f *labs.File, a, b labs.FileVM, vni int) *Cast {
	hv := map[string]labs.FileHypervisor{}
	for _, h := range f.Hypervisors {
		hv[h.Name] = h
	}
	c := &Cast{A: a, B: b, HVA: hv[a.Hypervisor], HVB: hv[b.Hypervisor], VNI: vni,
		IPA: ipOf(a.IP), IPB: ipOf(b.IP), UnderlaySnooping: f.Underlay.IGMPSnooping}
	c.VTEPA, c.VTEPB = ipOf(c.HVA.VTEPIP), ipOf(c.HVB.VTEPIP)
	for _, h := range f.Hypervisors {
		c.UnderlayCables = append(c.UnderlayCables, h.Name)
		nets := f.VTEP.Networks
		if len(h.Networks) > 0 {
			nets = h.Networks
		}
		for _, n := range nets {
			if n.VNI == vni {
				c.Group = n.Group
			}
		}
		if f.Carries(h, vni) {
			c.Carriers = append(c.Carriers, h.Name)
			if h.Name != a.Hypervisor && h.Name != b.Hypervisor {
				c.Bystanders = append(c.Bystanders, h)
			}
		}
	}
	for _, p := range f.PhysicalVTEPs {
		for _, n := range p.Networks {
			if n.VNI == vni {
				c.Physical = append(c.Physical, p)
				c.UnderlayCables = append(c.UnderlayCables, p.Name)
			}
		}
	}
	return c
}

// receivers returns the VTEPs (OVS and physical) of the VNI other than A's.
func (c *Cast) receivers() []string {
	var out []string
	for _, h := range c.Carriers {
		if h != c.HVA.Name {
			out = append(out, h)
		}
	}
	for _, p := range c.Physical {
		out = append(out, p.Name)
	}
	return out
}

// onlookers returns the VTEPs of the VNI other than A's and B's.
func (c *Cast) onlookers() []string {
	var out []string
	for _, h := range c.Bystanders {
		out = append(out, h.Name)
	}
	for _, p := range c.Physical {
		out = append(out, p.Name)
	}
	return out
}

func ipOf(cidr string) string {
	ip, _, _ := strings.Cut(cidr, "/")
	return ip
}
