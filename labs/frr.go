package labs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Where FRR (Debian's frr package) keeps its daemons and, per pathspace
// (zebra -N NAME), its configuration and run files. A lab's FRR node uses
// its namespace's name, PREFIX-NODE, as its pathspace.
var (
	FRRDaemonDir = "/usr/lib/frr"
	FRRConfDir   = "/etc/frr"
	FRRRunDir    = "/var/run/frr"
)

// frrMarker is the file a lab leaves in each FRR directory it creates, so
// that teardown removes only those.
const frrMarker = ".vtep-lab"

// MissingFRR lists what a lab with FRR nodes needs and the machine lacks
// (`make deps` installs the frr package).
func MissingFRR() []string {
	var missing []string
	for _, d := range []string{"zebra", "bgpd", "pimd"} {
		if _, err := os.Stat(filepath.Join(FRRDaemonDir, d)); err != nil {
			missing = append(missing, filepath.Join(FRRDaemonDir, d))
		}
	}
	missing = append(missing, lookPath("vtysh", "bridge")...)
	if _, err := user.Lookup("frr"); err != nil {
		missing = append(missing, "user frr")
	}
	return missing
}

// frrNodes returns the names of the topology's FRR nodes with the daemons
// each runs.
func (t Topology) frrNodes() map[string][]string {
	out := map[string][]string{}
	for _, p := range t.PhysicalVTEPs {
		if p.EVPN != nil {
			out[p.Name] = []string{"zebra", "bgpd"}
		}
	}
	for _, r := range t.Routers {
		out[r.Name] = r.daemons()
	}
	return out
}

func (r Router) daemons() []string {
	ds := []string{"zebra"}
	if r.EVPN != nil {
		ds = append(ds, "bgpd")
	}
	if r.PIM != nil {
		ds = append(ds, "pimd")
	}
	return ds
}

// IsFRR reports whether node is an FRR node of the lab (a router or a
// physical VTEP with evpn): vtysh works there.
func (t Topology) IsFRR(node string) bool {
	_, ok := t.frrNodes()[node]
	return ok
}

// frrDirs makes a node's FRR configuration and run directories (owned by
// user frr, marked as the lab's, removed on Close).
func (l *Lab) frrDirs(ns string) error {
	u, err := user.Lookup("frr")
	if err != nil {
		return wrap("frr node "+ns, "find user frr", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, d := range []string{filepath.Join(FRRConfDir, ns), filepath.Join(FRRRunDir, ns)} {
		if _, err := os.Stat(d); err == nil {
			return wrap("frr node "+ns, "create "+d, errors.New("it exists: left over by a lab with this prefix? (vtepctl lab down)"))
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return wrap("frr node "+ns, "create dir", err)
		}
		l.onClose(func() error { return os.RemoveAll(d) })
		if err := os.Chown(d, uid, gid); err != nil {
			return wrap("frr node "+ns, "chown "+d, err)
		}
		if err := os.WriteFile(filepath.Join(d, frrMarker), []byte(ns+"\n"), 0o644); err != nil {
			return wrap("frr node "+ns, "mark "+d, err)
		}
	}
	// An empty vtysh.conf keeps vtysh from warning about a missing one.
	return wrap("frr node "+ns, "write vtysh.conf", os.WriteFile(filepath.Join(FRRConfDir, ns, "vtysh.conf"), nil, 0o644))
}

// startFRR starts FRR daemons in a node's namespace, in the foreground
// under the lab's control (pidfile and log in the node's run dir): zebra
// first, the others once zebra listens, and waits until each is connected
// to zebra (a daemon configured before that loses its interfaces' state).
func (l *Lab) startFRR(ctx context.Context, node string, daemons []string) error {
	ns := l.Netns(node)
	if err := l.frrDirs(ns); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, d := range daemons {
		// -P 0: no TCP vty; vtysh uses the unix socket of the pathspace.
		dm, err := l.StartDaemon(ctx, node, filepath.Join(FRRDaemonDir, d), "-N", ns, "-P", "0", "--log", "stdout")
		if err != nil {
			return err
		}
		socks := []string{d + ".vty"}
		if d == "zebra" {
			socks = append(socks, "zserv.api")
		}
		for _, sock := range socks {
			path := filepath.Join(FRRRunDir, ns, sock)
			err := WaitFor(wctx, 20*time.Millisecond, func() (bool, error) {
				if !dm.Running() {
					return false, fmt.Errorf("%s exited; see %s", d, dm.LogFile)
				}
				_, err := os.Stat(path)
				return err == nil, err
			})
			if err != nil {
				return wrap("frr node "+node, "wait for "+d, err)
			}
		}
	}
	err := WaitFor(wctx, 20*time.Millisecond, func() (bool, error) {
		out, err := Vtysh(wctx, ns, "show zebra client summary")
		if err != nil {
			return false, err
		}
		for _, d := range daemons {
			if d != "zebra" && !strings.Contains(out, "\n"+strings.TrimSuffix(d, "d")+" ") {
				return false, fmt.Errorf("%s is not connected to zebra", d)
			}
		}
		return true, nil
	})
	return wrap("frr node "+node, "wait for daemons to connect to zebra", err)
}

// Vtysh runs vtysh commands (each one -c) on an FRR node of the lab and
// returns their output, e.g.
//
//	l.Vtysh(ctx, "rr", "show bgp l2vpn evpn summary json")
//	l.Vtysh(ctx, "rr", "configure terminal", "router bgp 65000", "neighbor 10.0.0.9 shutdown")
func (l *Lab) Vtysh(ctx context.Context, node string, cmds ...string) (string, error) {
	if !l.Topology.IsFRR(node) {
		return "", fmt.Errorf("labs: %q is not an FRR node of lab %s", node, l.Topology.Prefix)
	}
	return Vtysh(ctx, l.Netns(node), cmds...)
}

// Vtysh runs vtysh commands against the FRR instance of namespace ns (its
// pathspace is the namespace's name).
func Vtysh(ctx context.Context, ns string, cmds ...string) (string, error) {
	args := []string{"-N", ns}
	for _, c := range cmds {
		args = append(args, "-c", c)
	}
	return Exec(ctx, ns, "vtysh", args...)
}

// bgpCommands returns the vtysh commands configuring a node's EVPN
// sessions; advertise adds advertise-all-vni (a VTEP).
func bgpCommands(e *EVPN, self string, advertise bool) []string {
	rid := e.RouterID
	if rid == "" {
		rid = self
	}
	asn := strconv.FormatUint(uint64(e.ASN), 10)
	cmds := []string{"configure terminal", "router bgp " + asn, "bgp router-id " + rid,
		"no bgp default ipv4-unicast", "no bgp ebgp-requires-policy"}
	if e.RouteReflector {
		cmds = append(cmds, "bgp cluster-id "+rid)
	}
	for _, n := range e.Neighbors {
		cmds = append(cmds, fmt.Sprintf("neighbor %s remote-as %d", n.Address, n.ASN))
		if n.Password != "" {
			cmds = append(cmds, fmt.Sprintf("neighbor %s password %s", n.Address, n.Password))
		}
	}
	cmds = append(cmds, "address-family l2vpn evpn")
	for _, n := range e.Neighbors {
		cmds = append(cmds, "neighbor "+n.Address+" activate")
		if e.RouteReflector {
			cmds = append(cmds, "neighbor "+n.Address+" route-reflector-client")
		}
	}
	if advertise {
		cmds = append(cmds, "advertise-all-vni")
	}
	return append(cmds, "exit-address-family", "end")
}

// buildRouter makes a router: a namespace cabled to its switches with its
// addresses and routes, running zebra (bgpd with EVPN, pimd with PIM).
func (l *Lab) buildRouter(ctx context.Context, r Router) error {
	ns, err := l.addNetns(r.Name)
	if err != nil {
		return err
	}
	if err := l.routerNetwork(ctx, ns, r); err != nil {
		return err
	}
	if err := l.startFRR(ctx, r.Name, r.daemons()); err != nil {
		return err
	}
	if r.PIM != nil {
		if _, err := l.Vtysh(ctx, r.Name, pimCommands(r)...); err != nil {
			return wrap(fmt.Sprintf("router %q", r.Name), "configure pim", err)
		}
	}
	if r.EVPN == nil {
		return nil
	}
	_, err = l.Vtysh(ctx, r.Name, bgpCommands(r.EVPN, r.routerID(), false)...)
	return wrap(fmt.Sprintf("router %q", r.Name), "configure bgp", err)
}

// buildEVPNNetwork makes one network of an FRR VTEP: the bridge brVNI, the
// VXLAN device vxVNI in it (no learning: FRR installs remote MACs), and
// the cable to the network's host, which holds the machine's MAC and IP.
func (l *Lab) buildEVPNNetwork(ctx context.Context, ns, local string, n PhysicalNetwork) error {
	obj := fmt.Sprintf("evpn vtep %s, vni %d", ns, n.VNI)
	br, vx := "br"+strconv.Itoa(n.VNI), "vx"+strconv.Itoa(n.VNI)
	mtu := n.MTU
	if mtu == 0 {
		mtu = DefaultVMMTU
	}
	steps := [][]string{
		{"ip", "link", "add", br, "type", "bridge"},
		{"ip", "link", "add", vx, "mtu", strconv.Itoa(mtu), "type", "vxlan", "id", strconv.Itoa(n.VNI),
			"local", local, "dstport", "4789", "nolearning"},
		{"ip", "link", "set", vx, "master", br},
		{"bridge", "link", "set", "dev", vx, "learning", "off", "neigh_suppress", "off"},
		{"ip", "link", "set", vx, "up"},
		{"ip", "link", "set", br, "up"},
	}
	for _, s := range steps {
		if _, err := Exec(ctx, ns, s[0], s[1:]...); err != nil {
			return wrap(obj, strings.Join(s[:3], " "), err)
		}
	}
	hns, err := l.addNetns(n.Host)
	if err != nil {
		return err
	}
	mac, _ := ParseMAC("mac", n.MAC)
	if err := AddVeth(ctx, End{Netns: hns, Name: "eth0", MAC: mac, MTU: mtu}, End{Netns: ns, Name: n.Host, MTU: mtu}); err != nil {
		return err
	}
	if err := SetMaster(ns, n.Host, br); err != nil {
		return err
	}
	return AddAddr(hns, "eth0", n.IP)
}

// buildEVPNPhysical makes an FRR VTEP's networks and starts zebra and
// bgpd with advertise-all-vni (its eth0 is already on the underlay).
func (l *Lab) buildEVPNPhysical(ctx context.Context, ns string, p PhysicalVTEP) error {
	local := mustIP(p.VTEPIP).String()
	for _, n := range p.Networks {
		if err := l.buildEVPNNetwork(ctx, ns, local, n); err != nil {
			return err
		}
	}
	if err := LinkUp(ns, "lo"); err != nil {
		return err
	}
	if err := l.startFRR(ctx, p.Name, []string{"zebra", "bgpd"}); err != nil {
		return err
	}
	_, err := l.Vtysh(ctx, p.Name, bgpCommands(p.EVPN, local, true)...)
	return wrap(fmt.Sprintf("evpn vtep %q", p.Name), "configure bgp", err)
}

// removeFRRDirs removes the FRR configuration and run directories whose
// names match pattern (a glob of pathspaces, such as "PREFIX-*") and that
// a lab created (they hold its marker); it leaves every other one alone.
func removeFRRDirs(pattern string) []error {
	var errs []error
	for _, root := range []string{FRRConfDir, FRRRunDir} {
		dirs, _ := filepath.Glob(filepath.Join(root, pattern))
		for _, d := range dirs {
			if _, err := os.Stat(filepath.Join(d, frrMarker)); err != nil {
				continue
			}
			if err := os.RemoveAll(d); err != nil {
				errs = append(errs, fmt.Errorf("labs: remove %s: %w", d, err))
			}
		}
	}
	return errs
}

// waitSessions waits until every FRR node's EVPN sessions with the lab's
// other BGP speakers (FRR nodes, hypervisors with evpn) are established;
// sessions with addresses outside the lab are not waited for.
func (r *Running) waitSessions(ctx context.Context, progress func(string)) error {
	speakers := map[string]bool{}
	for _, h := range r.File.Hypervisors {
		if h.EVPN != nil {
			speakers[ipOnly(h.VTEPIP)] = true
		}
	}
	nodes := map[string]*EVPN{}
	for _, p := range r.File.PhysicalVTEPs {
		if p.EVPN != nil {
			speakers[ipOnly(p.VTEPIP)] = true
			nodes[p.Name] = p.EVPN
		}
	}
	for _, rt := range r.File.Routers {
		if rt.EVPN != nil {
			speakers[rt.routerID()] = true
			nodes[rt.Name] = rt.EVPN
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for node, e := range nodes {
		var want []string
		for _, n := range e.Neighbors {
			if speakers[n.Address] {
				want = append(want, n.Address)
			}
		}
		if len(want) == 0 {
			continue
		}
		if err := r.WaitBGPEstablished(ctx, node, want...); err != nil {
			return err
		}
		progress(fmt.Sprintf("%s: BGP EVPN sessions with %s established", node, strings.Join(want, ", ")))
	}
	return nil
}
