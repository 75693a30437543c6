package labs

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/vtep/vtep/api"
)

// Check is one part of a lab that Status looks for: OK when it is there
// (and alive), Text saying what it is or what is missing.
type Check struct {
	OK   bool
	Text string
}

// String prints the check, "MISSING: ..." when it failed.
func (c Check) String() string {
	if c.OK {
		return c.Text
	}
	return "MISSING: " + c.Text
}

// LabStatus is what a running lab consists of, and whether each part is
// there: namespaces, daemons, what vtepd's API says, ports and members.
type LabStatus struct {
	State       *State
	File        *File
	Dir         string // the run dir
	Underlay    UnderlayStatus
	Hypervisors []HypervisorStatus
	VMs         []VMStatus
	Physical    []PhysicalStatus
	Routers     []RouterStatus
	Switches    []SwitchStatus // switches besides ul
	// Problems lists what is missing or dead, in the order found.
	Problems []string
}

// UnderlayStatus is the underlay switch's part of a LabStatus.
type UnderlayStatus struct {
	Netns Check
	Ports Check               // Text: the bridge's ports, space-separated, when OK
	Group map[string][]string // members of each group (IGMP snooping), sorted
}

// HypervisorStatus is one hypervisor's part of a LabStatus.
type HypervisorStatus struct {
	Name, VTEPIP           string
	Dir                    string // its run dir
	Netns, OVSDB, Vswitchd Check
	Vtepd                  Check
	VtepdLog               string
	APISocket              string
	API                    *api.Status // nil when the API did not answer
	APIError               Check       // failed when API is nil
	OverlayBridge          string
	OverlayPorts           Check // Text: the ports, space-separated, when OK
}

// VMStatus is one VM's part of a LabStatus.
type VMStatus struct {
	FileVM
	VNI   int // the VNI its VLAN maps to on its hypervisor (0: none)
	Netns Check
}

// PhysicalStatus is one physical VTEP's part of a LabStatus.
type PhysicalStatus struct {
	Name, VTEPIP string
	Netns        Check
	Devices      []VXLANDeviceStatus
	FRR          *FRRStatus // an FRR VTEP's daemons and sessions (evpn only)
}

// VXLANDeviceStatus is one kernel VXLAN device of a physical VTEP.
type VXLANDeviceStatus struct {
	Name    string // vxVNI
	Network PhysicalNetwork
	Present Check
}

// Err returns an error listing the problems, nil when the lab is whole.
func (s *LabStatus) Err() error {
	if len(s.Problems) == 0 {
		return nil
	}
	return fmt.Errorf("lab %s is not whole: %s", s.File.Prefix, strings.Join(s.Problems, "; "))
}

// statusTimeout bounds gathering one lab's status.
const statusTimeout = 20 * time.Second

// Status gathers the status of the lab with this prefix. The error is for
// a lab that cannot be read at all; missing parts are in Problems.
func Status(ctx context.Context, prefix string) (*LabStatus, error) {
	st, err := LoadState(prefix)
	if err != nil {
		return nil, err
	}
	r, err := st.Attach()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	g := &gatherer{r: r, s: &LabStatus{State: st, File: r.File, Dir: r.Dir}}
	g.underlay(ctx)
	for _, sw := range r.File.Switches {
		g.switchStatus(ctx, sw)
	}
	for _, h := range r.File.Hypervisors {
		g.hypervisor(ctx, h)
	}
	for _, v := range r.File.VMs {
		vni := 0
		if v.VLAN != 0 {
			vni = r.File.VNIOf(v.Hypervisor, v.VLAN)
		}
		g.s.VMs = append(g.s.VMs, VMStatus{FileVM: v, VNI: vni, Netns: g.netns(v.Name)})
	}
	for _, p := range r.File.PhysicalVTEPs {
		g.physical(ctx, p)
	}
	for _, rt := range r.File.Routers {
		g.router(ctx, rt)
	}
	return g.s, nil
}

// gatherer collects a LabStatus.
type gatherer struct {
	r *Running
	s *LabStatus
}

func (g *gatherer) ok(format string, a ...any) Check {
	return Check{OK: true, Text: fmt.Sprintf(format, a...)}
}

func (g *gatherer) problem(format string, a ...any) Check {
	c := Check{Text: fmt.Sprintf(format, a...)}
	g.s.Problems = append(g.s.Problems, c.Text)
	return c
}

func (g *gatherer) netns(node string) Check {
	ns := g.r.Netns(node)
	if NetnsExists(ns) {
		return g.ok("netns %s", ns)
	}
	return g.problem("netns %s of %s", ns, node)
}

func (g *gatherer) daemon(what, pidfile string) Check {
	pid, ok := PidAlive(pidfile)
	switch {
	case ok:
		return g.ok("%s pid %d running", what, pid)
	case pid == 0:
		return g.problem("%s: no pidfile %s", what, pidfile)
	}
	return g.problem("%s pid %d is not running", what, pid)
}

func (g *gatherer) underlay(ctx context.Context) {
	u := &g.s.Underlay
	u.Netns = g.netns(UnderlayNode)
	ul := g.r.Netns(UnderlayNode)
	if out, err := Exec(ctx, ul, "ip", "-o", "link", "show", "master", UnderlayBridgeName); err == nil {
		u.Ports = g.ok("%s", strings.Join(ParseLinkNames(out), " "))
	} else {
		u.Ports = g.problem("ports of %s: %v", UnderlayBridgeName, err)
	}
	if es, err := MDB(ctx, ul); err == nil {
		u.Group = GroupMembers(es)
	}
}

func (g *gatherer) hypervisor(ctx context.Context, h FileHypervisor) {
	dir := g.r.NodeDir(h.Name)
	hs := HypervisorStatus{Name: h.Name, VTEPIP: h.VTEPIP, Dir: dir, OverlayBridge: DefaultOverlayBridge,
		APISocket: APISocket(g.s.File.Prefix, h.Name)}
	hs.Netns = g.netns(h.Name)
	hs.OVSDB = g.daemon("ovsdb-server", filepath.Join(dir, "ovsdb-server.pid"))
	hs.Vswitchd = g.daemon("ovs-vswitchd", filepath.Join(dir, "ovs-vswitchd.pid"))
	hs.Vtepd = g.daemon("vtepd", filepath.Join(dir, filepath.Base(g.s.State.Vtepd)+".pid"))
	if d := g.r.Vtepds[h.Name]; d != nil {
		hs.VtepdLog = d.LogFile
	}
	actx, cancel := context.WithTimeout(ctx, 3*time.Second)
	s, err := api.NewClient(hs.APISocket).Status(actx)
	cancel()
	if err != nil {
		hs.APIError = g.problem("vtepd API %s: %v", hs.APISocket, err)
	} else {
		hs.API = &s
		if !s.OverlayConnected || !s.UnderlayConnected {
			g.problem("vtepd on %s is not connected to both bridges", h.Name)
		}
	}
	if o := g.r.OVS[h.Name]; o == nil {
		hs.OverlayPorts = g.problem("OVS of %s", h.Name)
	} else if out, err := o.Vsctl(ctx, "list-ports", DefaultOverlayBridge); err == nil {
		hs.OverlayPorts = g.ok("%s", strings.Join(strings.Fields(out), " "))
	} else {
		hs.OverlayPorts = g.problem("ports of %s on %s: %v", DefaultOverlayBridge, h.Name, err)
	}
	g.s.Hypervisors = append(g.s.Hypervisors, hs)
}

func (g *gatherer) physical(ctx context.Context, p FilePhysicalVTEP) {
	ps := PhysicalStatus{Name: p.Name, VTEPIP: p.VTEPIP, Netns: g.netns(p.Name)}
	for _, n := range p.Networks {
		dev := fmt.Sprintf("vx%d", n.VNI)
		d := VXLANDeviceStatus{Name: dev, Network: n, Present: g.ok("present")}
		if _, err := Exec(ctx, g.r.Netns(p.Name), "ip", "link", "show", dev); err != nil {
			d.Present = g.problem("%s on %s", dev, p.Name)
		}
		ps.Devices = append(ps.Devices, d)
	}
	if p.EVPN != nil {
		f := g.frr(ctx, p.Name)
		ps.FRR = &f
	}
	g.s.Physical = append(g.s.Physical, ps)
}
