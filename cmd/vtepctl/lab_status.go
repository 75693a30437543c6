package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
)

func init() {
	registerLab("status", labCommand("status", "[FILE] [--prefix P]",
		"the lab's nodes, namespaces, daemons (alive?), OVS instances and what is connected to what; exits 1 if anything is missing",
		labParse{flags: []string{"prefix"}}, runLabStatus))
}

func runLabStatus(c labCtx, a *labArgs) error {
	if len(a.pos) > 1 || len(a.rest) > 0 {
		return usageErr("want at most one lab file")
	}
	file := ""
	if len(a.pos) == 1 {
		file = a.pos[0]
	}
	if a.prefix == "" && file == "" && len(upLabs()) > 1 {
		// Several labs: list them all.
		var errs []error
		for _, p := range upLabs() {
			if err := labStatus(c, p); err != nil {
				errs = append(errs, err)
			}
			c.printf("\n")
		}
		return errors.Join(errs...)
	}
	st, err := findLab(a.prefix, file)
	if err != nil {
		return err
	}
	return labStatus(c, st.Prefix)
}

// apiSocket returns the vtepd API endpoint of a hypervisor of a lab.
func apiSocket(prefix, hv string) string {
	return "unix:" + filepath.Join(labs.RunDir(prefix), hv, "vtepd-api.sock")
}

// labStatus prints one lab's state; it fails when a part is missing or dead.
func labStatus(c labCtx, prefix string) error {
	st, err := loadLabState(prefix)
	if err != nil {
		return err
	}
	r, err := st.attach()
	if err != nil {
		return err
	}
	f := r.File
	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	var problems []string
	problem := func(format string, a ...any) string {
		s := fmt.Sprintf(format, a...)
		problems = append(problems, s)
		return "MISSING: " + s
	}
	c.printf("lab %s: %s\n", f.Prefix, f.Description)
	c.printf("  from %s, up since %s, run dir %s\n", st.Source, st.Started.Local().Format(time.DateTime), r.Dir)
	c.printf("  vtepd %s\n", st.Vtepd)
	nsState := func(node string) string {
		ns := r.Netns(node)
		if labs.NetnsExists(ns) {
			return "netns " + ns
		}
		return problem("netns %s of %s", ns, node)
	}
	daemon := func(what, pidfile string) string {
		pid, ok := labs.PidAlive(pidfile)
		if ok {
			return fmt.Sprintf("%s pid %d running", what, pid)
		}
		if pid == 0 {
			return problem("%s: no pidfile %s", what, pidfile)
		}
		return problem("%s pid %d is not running", what, pid)
	}

	// The underlay switch and what is cabled to it.
	ul := r.Netns(labs.UnderlayNode)
	c.printf("\nunderlay switch %s (%s)\n", labs.UnderlayBridgeName, nsState(labs.UnderlayNode))
	mode := "floods multicast to every port"
	switch {
	case f.Underlay.IGMPSnooping:
		mode = "IGMP snooping with a querier: a group's traffic goes to its members"
	case f.Underlay.NoMulticast:
		mode = "drops multicast"
	}
	c.printf("  %s\n", mode)
	if out, err := labs.Exec(ctx, ul, "ip", "-o", "link", "show", "master", labs.UnderlayBridgeName); err == nil {
		c.printf("  ports: %s\n", strings.Join(linkNames(out), " "))
	} else {
		c.printf("  %s\n", problem("ports of %s: %v", labs.UnderlayBridgeName, err))
	}
	if out, err := labs.Exec(ctx, ul, "bridge", "mdb", "show"); err == nil && strings.TrimSpace(out) != "" {
		groups := mdbGroups(out)
		for _, g := range sortedKeys(groups) {
			sort.Strings(groups[g])
			c.printf("  group %s members: %s\n", g, strings.Join(groups[g], " "))
		}
	}

	for _, h := range f.Hypervisors {
		dir := r.NodeDir(h.Name)
		c.printf("\nhypervisor %s: VTEP %s (%s)\n", h.Name, h.VTEPIP, nsState(h.Name))
		c.printf("  ovs: %s, %s (run dir %s)\n", daemon("ovsdb-server", filepath.Join(dir, "ovsdb-server.pid")),
			daemon("ovs-vswitchd", filepath.Join(dir, "ovs-vswitchd.pid")), dir)
		d := r.Vtepds[h.Name]
		c.printf("  vtepd: %s, log %s\n", daemon("vtepd", filepath.Join(dir, filepath.Base(st.Vtepd)+".pid")), d.LogFile)
		sock := apiSocket(f.Prefix, h.Name)
		actx, acancel := context.WithTimeout(ctx, 3*time.Second)
		s, err := api.NewClient(sock).Status(actx)
		acancel()
		if err != nil {
			c.printf("  %s\n", problem("vtepd API %s: %v", sock, err))
		} else {
			c.printf("  vtepd API %s: overlay %s %s, underlay %s %s, flood %s, groups joined %s\n", sock,
				s.Bridge, connected(s.OverlayConnected), s.UnderlayBridge, connected(s.UnderlayConnected),
				s.FloodMode, orNone(strings.Join(s.GroupsJoined, " ")))
			for _, n := range s.Networks {
				c.printf("    VNI %d: VLAN %d, group %s\n", n.VNI, n.VLAN, orNone(n.Group))
			}
			if !s.OverlayConnected || !s.UnderlayConnected {
				problem("vtepd on %s is not connected to both bridges", h.Name)
			}
		}
		if out, err := r.OVS[h.Name].Vsctl(ctx, "list-ports", labs.DefaultOverlayBridge); err == nil {
			c.printf("  %s ports: %s\n", labs.DefaultOverlayBridge, strings.Join(strings.Fields(out), " "))
		} else {
			c.printf("  %s\n", problem("ports of %s on %s: %v", labs.DefaultOverlayBridge, h.Name, err))
		}
	}

	if len(f.VMs) > 0 {
		c.printf("\nvms\n")
	}
	for _, v := range f.VMs {
		vlan := "untagged"
		if v.VLAN != 0 {
			vlan = fmt.Sprintf("VLAN %d", v.VLAN)
			if v.Tagged {
				vlan += " tagged"
			}
			if vni := vniOf(f, v.Hypervisor, v.VLAN); vni != 0 {
				vlan += fmt.Sprintf(" -> VNI %d", vni)
			}
		}
		c.printf("  %-6s %s %s on %s port %s, %s (%s)\n", v.Name, v.MAC, v.IP, v.Hypervisor, v.Name, vlan, nsState(v.Name))
	}
	for _, p := range f.PhysicalVTEPs {
		c.printf("\nphysical vtep %s: VTEP %s, Linux kernel VXLAN (%s)\n", p.Name, p.VTEPIP, nsState(p.Name))
		for _, n := range p.Networks {
			dev := fmt.Sprintf("vx%d", n.VNI)
			state := "present"
			if _, err := labs.Exec(ctx, r.Netns(p.Name), "ip", "link", "show", dev); err != nil {
				state = problem("%s on %s", dev, p.Name)
			}
			c.printf("  %s: VNI %d, group %s, %s %s (%s)\n", dev, n.VNI, n.Group, n.MAC, n.IP, state)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("lab %s is not whole: %s", f.Prefix, strings.Join(problems, "; "))
	}
	return nil
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

// vniOf returns the VNI a VLAN maps to on a hypervisor (0: none).
func vniOf(f *labs.File, hv string, vlan int) int {
	for _, h := range f.Hypervisors {
		if h.Name != hv {
			continue
		}
		nets := f.VTEP.Networks
		if len(h.Networks) > 0 {
			nets = h.Networks
		}
		for _, n := range nets {
			if n.VLAN == vlan {
				return n.VNI
			}
		}
	}
	return 0
}

// linkNames returns the interface names of `ip -o link show` output.
func linkNames(out string) []string {
	var names []string
	for _, l := range strings.Split(out, "\n") {
		fields := strings.Fields(l)
		if len(fields) < 2 {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSuffix(fields[1], ":"), "@")
		names = append(names, name)
	}
	return names
}

// mdbGroups returns the ports of each group in `bridge mdb show` output.
func mdbGroups(out string) map[string][]string {
	groups := map[string][]string{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		var port, grp string
		for i := 0; i+1 < len(f); i++ {
			switch f[i] {
			case "port":
				port = f[i+1]
			case "grp":
				grp = f[i+1]
			}
		}
		if port != "" && grp != "" {
			groups[grp] = append(groups[grp], port)
		}
	}
	return groups
}
