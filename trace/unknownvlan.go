package trace

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/pipeline"
)

// VNIOfVLAN returns the VNI a VLAN maps to on this hypervisor.
func (pi Ports) VNIOfVLAN(vlan uint16) (uint32, bool) {
	if vlan == 0 {
		return 0, false
	}
	for vni, v := range pi.vniVLAN {
		if v == vlan {
			return vni, true
		}
	}
	return 0, false
}

// port finds a VM port by name or OpenFlow port number, as Flow does.
func (pi Ports) port(in string) (pipeline.Port, bool) {
	if p, ok := pi.ByName(in); ok {
		return p, true
	}
	if n, err := strconv.ParseUint(in, 10, 32); err == nil {
		p, ok := pi.ports[uint32(n)]
		return p, ok
	}
	return pipeline.Port{}, false
}

// explainUnknownVLAN says why a frame from a local port matched no classify
// flow: the port does not carry the frame's VLAN, the VLAN maps to no VNI,
// or an untagged port's frame is to no network's subnets.
func explainUnknownVLAN(r api.TraceRequest, pi Ports) string {
	const dropped = ": dropped (counted as drop-unknown-vlan)"
	p, ok := pi.port(r.InPort)
	if !ok {
		from := "port " + r.InPort
		if r.VLAN != 0 {
			from += fmt.Sprintf(" VLAN %d", r.VLAN)
		}
		return from + " matches no classify flow" + dropped
	}
	switch {
	case p.Tag != 0 && r.VLAN != 0:
		return fmt.Sprintf("port %s is an access port of VLAN %d and takes untagged frames only; this frame is tagged VLAN %d%s", p.Name, p.Tag, r.VLAN, dropped)
	case p.Tag != 0:
		return fmt.Sprintf("port %s is an access port of VLAN %d, and VLAN %d maps to no VNI here%s", p.Name, p.Tag, p.Tag, dropped)
	case len(p.Trunks) > 0 && r.VLAN == 0:
		return fmt.Sprintf("port %s is a trunk (%s) and takes tagged frames only; this frame is untagged%s", p.Name, vlanList(p.Trunks), dropped)
	case len(p.Trunks) > 0 && !slices.Contains(p.Trunks, r.VLAN):
		if vni, ok := pi.VNIOfVLAN(r.VLAN); ok {
			return fmt.Sprintf("port %s does not carry VLAN %d (trunk of %s), although VLAN %d maps to VNI %d here%s", p.Name, r.VLAN, vlanList(p.Trunks), r.VLAN, vni, dropped)
		}
		return fmt.Sprintf("port %s does not carry VLAN %d (trunk of %s), and VLAN %d maps to no VNI here%s", p.Name, r.VLAN, vlanList(p.Trunks), r.VLAN, dropped)
	case len(p.Trunks) > 0:
		return fmt.Sprintf("port %s carries VLAN %d, but VLAN %d maps to no VNI here%s", p.Name, r.VLAN, r.VLAN, dropped)
	case r.VLAN != 0:
		return fmt.Sprintf("port %s has no tag and no trunks: it takes untagged frames only; this frame is tagged VLAN %d%s", p.Name, r.VLAN, dropped)
	}
	return fmt.Sprintf("port %s has no tag and no trunks, and the frame is to no network's subnets%s", p.Name, dropped)
}

// vlanList prints a port's trunks: "VLAN 1" or "VLANs 1, 5".
func vlanList(vlans []uint16) string {
	s := make([]string, len(vlans))
	for i, v := range vlans {
		s[i] = strconv.Itoa(int(v))
	}
	if len(s) == 1 {
		return "VLAN " + s[0]
	}
	return "VLANs " + strings.Join(s, ", ")
}
