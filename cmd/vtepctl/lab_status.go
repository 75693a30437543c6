package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/labs"
)

func newLabStatusCmd() *cobra.Command {
	return labCommand("status [FILE] [--prefix P]",
		"the lab's nodes, namespaces, daemons (alive?), OVS instances and what is connected to what; exits 1 if anything is missing",
		labParse{flags: []string{"prefix"}}, runLabStatus)
}

func runLabStatus(c labCtx, a *labArgs) error {
	if len(a.pos) > 1 || len(a.rest) > 0 {
		return usageErr("want at most one lab file")
	}
	file := ""
	if len(a.pos) == 1 {
		file = a.pos[0]
	}
	prefixes := labs.UpLabs()
	if a.prefix != "" || file != "" || len(prefixes) <= 1 {
		st, err := labs.FindLab(a.prefix, file)
		if err != nil {
			return err
		}
		prefixes = []string{st.Prefix}
	}
	// With several labs up and none chosen, show them all.
	var errs []error
	for _, p := range prefixes {
		s, err := labs.Status(c.ctx, p)
		if err == nil {
			printLabStatus(c, s)
			err = s.Err()
		}
		if err != nil {
			errs = append(errs, err)
		}
		if len(prefixes) > 1 {
			c.printf("\n")
		}
	}
	return errors.Join(errs...)
}

// printLabStatus prints one lab's status.
func printLabStatus(c labCtx, s *labs.LabStatus) {
	f := s.File
	c.printf("lab %s: %s\n", f.Prefix, f.Description)
	c.printf("  from %s, up since %s, run dir %s\n", s.State.Source, s.State.Started.Local().Format(time.DateTime), s.Dir)
	c.printf("  vtepd %s\n", s.State.Vtepd)

	u := s.Underlay
	c.printf("\nunderlay switch %s (%s)\n", labs.UnderlayBridgeName, u.Netns)
	mode := "floods multicast to every port"
	switch {
	case f.Underlay.IGMPSnooping:
		mode = "IGMP snooping with a querier: a group's traffic goes to its members"
	case f.Underlay.NoMulticast:
		mode = "drops multicast"
	}
	c.printf("  %s\n", mode)
	if u.Ports.OK {
		c.printf("  ports: %s\n", u.Ports.Text)
	} else {
		c.printf("  %s\n", u.Ports)
	}
	for _, g := range sortedKeys(u.Group) {
		c.printf("  group %s members: %s\n", g, strings.Join(u.Group[g], " "))
	}
	for _, sw := range s.Switches {
		c.printf("\nswitch %s: %s (%s)\n  ports: %s\n", sw.Name, labs.UnderlayBridgeName, sw.Netns, sw.Ports)
	}
	for _, h := range s.Hypervisors {
		printHypervisorStatus(c, h)
	}
	if len(s.VMs) > 0 {
		c.printf("\nvms\n")
	}
	for _, v := range s.VMs {
		vlan := "untagged"
		if v.VLAN != 0 {
			vlan = fmt.Sprintf("VLAN %d", v.VLAN)
			if v.Tagged {
				vlan += " tagged"
			}
			if v.VNI != 0 {
				vlan += fmt.Sprintf(" -> VNI %d", v.VNI)
			}
		}
		c.printf("  %-6s %s %s on %s port %s, %s (%s)\n", v.Name, v.MAC, v.IP, v.Hypervisor, v.Name, vlan, v.Netns)
	}
	for _, p := range s.Physical {
		kind := "Linux kernel VXLAN"
		if p.FRR != nil {
			kind += " driven by FRR (BGP EVPN)"
		}
		c.printf("\nphysical vtep %s: VTEP %s, %s (%s)\n", p.Name, p.VTEPIP, kind, p.Netns)
		for _, d := range p.Devices {
			n := d.Network
			if n.Host != "" {
				c.printf("  %s: VNI %d, EVPN, host %s %s %s (%s)\n", d.Name, n.VNI, n.Host, n.MAC, n.IP, d.Present)
				continue
			}
			c.printf("  %s: VNI %d, group %s, %s %s (%s)\n", d.Name, n.VNI, n.Group, n.MAC, n.IP, d.Present)
		}
		if p.FRR != nil {
			c.printf("%s", p.FRR)
		}
	}
	for _, r := range s.Routers {
		c.printf("\nrouter %s: %s, FRR (%s)\n%s", r.Name, r.Addresses, r.Netns, r.FRR)
	}
}

func printHypervisorStatus(c labCtx, h labs.HypervisorStatus) {
	c.printf("\nhypervisor %s: VTEP %s (%s)\n", h.Name, h.VTEPIP, h.Netns)
	c.printf("  ovs: %s, %s (run dir %s)\n", h.OVSDB, h.Vswitchd, h.Dir)
	c.printf("  vtepd: %s, log %s\n", h.Vtepd, h.VtepdLog)
	if s := h.API; s == nil {
		c.printf("  %s\n", h.APIError)
	} else {
		c.printf("  vtepd API %s: overlay %s %s, underlay %s %s, flood %s, groups joined %s\n", h.APISocket,
			s.Bridge, connected(s.OverlayConnected), s.UnderlayBridge, connected(s.UnderlayConnected),
			s.FloodMode, orNone(strings.Join(s.GroupsJoined, " ")))
		for _, n := range s.Networks {
			c.printf("    VNI %d: VLAN %d, group %s\n", n.VNI, n.VLAN, orNone(n.Group))
		}
	}
	if h.OverlayPorts.OK {
		c.printf("  %s ports: %s\n", h.OverlayBridge, h.OverlayPorts.Text)
	} else {
		c.printf("  %s\n", h.OverlayPorts)
	}
}

func connected(b bool) string {
	if b {
		return "connected"
	}
	return "NOT connected"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
