package trace

import (
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// Ports names ports and finds the VLAN of a VNI on a port.
type Ports struct {
	tunnel  uint32
	ports   map[uint32]pipeline.Port
	vniVLAN map[uint32]uint16
}

// NewPorts indexes the ports of a pipeline state and the VLAN of each
// configured network.
func NewPorts(st pipeline.State) Ports {
	pi := Ports{tunnel: st.TunnelPort, ports: map[uint32]pipeline.Port{}, vniVLAN: map[uint32]uint16{}}
	for _, p := range st.Ports {
		pi.ports[p.OFPort] = p
	}
	for _, n := range st.Desired.Networks {
		pi.vniVLAN[n.VNI] = n.VLAN
	}
	return pi
}

// Name returns a port's name, or its number when unknown.
func (pi Ports) Name(no uint32) string {
	if no == pi.tunnel && no != 0 {
		return pipeline.TunnelPortName
	}
	if p, ok := pi.ports[no]; ok {
		return p.Name
	}
	return ofapp.PortString(no)
}

// VLAN returns the VLAN frames of vni carry on port no: its tag (access),
// the VNI's VLAN (trunk), or 0 (untagged).
func (pi Ports) VLAN(no, vni uint32) uint16 {
	p, ok := pi.ports[no]
	if !ok {
		return 0
	}
	if p.Tag != 0 {
		return p.Tag
	}
	if len(p.Trunks) > 0 {
		return pi.vniVLAN[vni]
	}
	return 0
}

// ByName finds a port by name.
func (pi Ports) ByName(name string) (pipeline.Port, bool) {
	for _, p := range pi.ports {
		if p.Name == name {
			return p, true
		}
	}
	return pipeline.Port{}, false
}
