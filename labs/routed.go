package labs

import (
	"context"
	"fmt"
	"net"
	"strings"
)

// A routed underlay: besides the underlay switch ul, a lab may have more
// switches (one per rack, one per router-to-router link), hypervisors on
// any of them with a gateway, and routers with an interface on several
// switches, static routes and PIM-SM with a static RP.

// Switch is an underlay segment: a Linux bridge br-ul in namespace
// PREFIX-NAME, whose ports are named after the nodes cabled to it.
type Switch struct {
	Name string `yaml:"name"`
	// IGMPSnooping: as underlay.igmp_snooping, for this switch.
	IGMPSnooping bool `yaml:"igmp_snooping,omitempty"`
}

// RouterInterface is a router's interface on a switch, named after it.
type RouterInterface struct {
	Switch string `yaml:"switch"`
	IP     string `yaml:"ip"` // address with prefix
}

// StaticRoute is a kernel route of a router (zebra sees it, so PIM's RPF
// checks use it too).
type StaticRoute struct {
	To  string `yaml:"to"`  // prefix
	Via string `yaml:"via"` // next hop on a connected subnet
}

// PIM is a router's PIM-SM configuration: pimd with PIM and IGMP on every
// interface and one static RP for all groups (224.0.0.0/4).
type PIM struct {
	RP string `yaml:"rp"`
}

// switchOf returns the switch a hypervisor's uplink is cabled to.
func (h Hypervisor) switchOf() string {
	if h.Switch == "" {
		return UnderlayNode
	}
	return h.Switch
}

// interfaces returns every interface of a router: eth0 on ul for its ip,
// then one per switch of interfaces, named after the switch.
func (r Router) interfaces() []RouterInterface {
	var out []RouterInterface
	if r.IP != "" {
		out = append(out, RouterInterface{Switch: UnderlayNode, IP: r.IP})
	}
	return append(out, r.Interfaces...)
}

// ifName is the name of a router's interface on a switch.
func (ri RouterInterface) ifName() string {
	if ri.Switch == UnderlayNode {
		return "eth0"
	}
	return ri.Switch
}

// routerID returns the address a router's BGP uses by default: its
// loopback's, else its first interface's.
func (r Router) routerID() string {
	if r.Loopback != "" {
		return mustIP(r.Loopback).String()
	}
	return mustIP(r.interfaces()[0].IP).String()
}

// checkRouted checks switches, hypervisors' switches and gateways, and
// routers' interfaces, routes and PIM.
func (v *validator) checkRouted(t Topology) {
	switches := map[string]bool{UnderlayNode: true}
	for i, s := range t.Switches {
		v.node("switch", fmt.Sprintf("switches[%d].name", i), s.Name)
		switches[s.Name] = true
	}
	for i, h := range t.Hypervisors {
		f := fmt.Sprintf("hypervisors[%d]", i)
		if !switches[h.switchOf()] {
			v.add("%s.switch: %q is not a switch of this lab", f, h.Switch)
		}
		if h.Gateway == "" {
			continue
		}
		gw := net.ParseIP(h.Gateway)
		_, subnet, err := net.ParseCIDR(h.VTEPIP)
		switch {
		case gw == nil || gw.To4() == nil:
			v.add("%s.gateway: %q is not an IPv4 address", f, h.Gateway)
		case err == nil && !subnet.Contains(gw):
			v.add("%s.gateway: %s is outside the VTEP subnet %s", f, h.Gateway, subnet)
		}
	}
	for i, r := range t.Routers {
		v.routedRouter(fmt.Sprintf("routers[%d]", i), r, switches)
	}
}

func (v *validator) routedRouter(f string, r Router, switches map[string]bool) {
	if r.IP == "" && len(r.Interfaces) == 0 {
		v.add("%s.interfaces: a router needs ip or interfaces", f)
	}
	if r.Loopback != "" {
		v.ip(f+".loopback", r.Loopback, "underlay")
	}
	seen := map[string]bool{}
	for j, ri := range r.Interfaces {
		jf := fmt.Sprintf("%s.interfaces[%d]", f, j)
		switch {
		case !switches[ri.Switch] || ri.Switch == UnderlayNode:
			v.add("%s.switch: %q is not a switch of this lab (the underlay switch ul is routers[i].ip's)", jf, ri.Switch)
		case seen[ri.Switch]:
			v.add("%s.switch: %q appears twice", jf, ri.Switch)
		}
		seen[ri.Switch] = true
		v.ip(jf+".ip", ri.IP, "underlay")
	}
	for j, rt := range r.Routes {
		jf := fmt.Sprintf("%s.routes[%d]", f, j)
		if _, _, err := net.ParseCIDR(rt.To); err != nil {
			v.add("%s.to: %q is not a prefix like 10.0.2.0/24", jf, rt.To)
		}
		if ip := net.ParseIP(rt.Via); ip == nil || ip.To4() == nil {
			v.add("%s.via: %q is not an IPv4 address", jf, rt.Via)
		}
	}
	if r.PIM != nil {
		if ip := net.ParseIP(r.PIM.RP); ip == nil || ip.To4() == nil {
			v.add("%s.pim.rp: %q is not an IPv4 address", f, r.PIM.RP)
		}
	}
}

// buildSwitches makes the lab's extra switches.
func (l *Lab) buildSwitches(ctx context.Context) error {
	for _, s := range l.Topology.Switches {
		ns, err := l.addNetns(s.Name)
		if err != nil {
			return err
		}
		if err := AddBridge(ctx, ns, UnderlayBridgeName, BridgeOptions{Snooping: s.IGMPSnooping}); err != nil {
			return err
		}
	}
	return nil
}

// routerNetwork cables a router to its switches, sets its addresses and
// routes and turns forwarding on.
func (l *Lab) routerNetwork(ctx context.Context, ns string, r Router) error {
	for _, ri := range r.interfaces() {
		sw := l.Netns(ri.Switch)
		if err := AddVeth(ctx, End{Netns: ns, Name: ri.ifName()}, End{Netns: sw, Name: r.Name}); err != nil {
			return err
		}
		if err := l.attachUnderlay(ctx, sw, r.Name); err != nil {
			return err
		}
		if err := AddAddr(ns, ri.ifName(), ri.IP); err != nil {
			return err
		}
	}
	if err := LinkUp(ns, "lo"); err != nil {
		return err
	}
	if r.Loopback != "" {
		if err := AddAddr(ns, "lo", r.Loopback); err != nil {
			return err
		}
	}
	if err := SetSysctl(ns, "net/ipv4/ip_forward", "1"); err != nil {
		return err
	}
	for _, rt := range r.Routes {
		if _, err := Exec(ctx, ns, "ip", "route", "add", rt.To, "via", rt.Via); err != nil {
			return wrap(fmt.Sprintf("router %q", r.Name), "add route to "+rt.To, err)
		}
	}
	return nil
}

// pimCommands returns the vtysh commands configuring a router's PIM-SM.
func pimCommands(r Router) []string {
	cmds := []string{"configure terminal", "ip pim rp " + r.PIM.RP + " 224.0.0.0/4"}
	for _, ri := range r.interfaces() {
		cmds = append(cmds, "interface "+ri.ifName(), "ip pim", "ip igmp", "exit")
	}
	if r.Loopback != "" {
		cmds = append(cmds, "interface lo", "ip pim", "exit")
	}
	return append(cmds, "end")
}

// hypervisorGateway gives a hypervisor its default route through its
// rack's router (on the underlay bridge, which holds the VTEP IP).
func hypervisorGateway(ctx context.Context, ns string, h Hypervisor) error {
	if h.Gateway == "" {
		return nil
	}
	_, err := Exec(ctx, ns, "ip", "route", "add", "default", "via", h.Gateway, "dev", h.underlayBridge())
	return wrap(fmt.Sprintf("hypervisor %q", h.Name), "add default route", err)
}

// switchNames returns the lab's switches, ul first.
func (t Topology) switchNames() []string {
	out := []string{UnderlayNode}
	for _, s := range t.Switches {
		out = append(out, s.Name)
	}
	return out
}

// describeRouter is a router's one-line description for status.
func describeRouter(r Router) string {
	var parts []string
	for _, ri := range r.interfaces() {
		parts = append(parts, ri.ifName()+" "+ri.IP)
	}
	if r.Loopback != "" {
		parts = append(parts, "lo "+r.Loopback)
	}
	if r.PIM != nil {
		parts = append(parts, "PIM RP "+r.PIM.RP)
	}
	return strings.Join(parts, ", ")
}
