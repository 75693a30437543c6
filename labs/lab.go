package labs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// Lab is a built topology. Close removes exactly what Build made.
type Lab struct {
	Topology Topology
	// Dir holds the run directories of the lab's OVS instances.
	Dir string
	// OVS holds each hypervisor's OVS instance by node name.
	OVS map[string]*OVS

	undo []func() error
	log  *logrus.Entry
}

// Build creates the topology: the underlay namespace and bridge, then per
// hypervisor a namespace, an OVS instance, the uplink cable, the underlay
// bridge with the VTEP IP and the overlay bridge, then the VMs. On failure
// it removes what it had made and returns the error naming the step.
func Build(ctx context.Context, topo Topology) (*Lab, error) {
	if err := topo.Validate(); err != nil {
		return nil, err
	}
	if len(topo.frrNodes()) > 0 {
		if missing := MissingFRR(); len(missing) > 0 {
			return nil, fmt.Errorf("labs: lab %q has FRR nodes and FRR is missing (make deps installs frr): %s", topo.Prefix, strings.Join(missing, ", "))
		}
	}
	l := &Lab{
		Topology: topo,
		Dir:      RunDir(topo.Prefix),
		OVS:      map[string]*OVS{},
		log:      logrus.WithField("lab", topo.Prefix),
	}
	if err := l.build(ctx); err != nil {
		if cerr := l.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("labs: cleanup after failed build: %w", cerr))
		}
		return nil, err
	}
	return l, nil
}

func (l *Lab) onClose(f func() error) { l.undo = append(l.undo, f) }

func (l *Lab) addNetns(node string) (string, error) {
	ns := l.Topology.Netns(node)
	if err := AddNetns(ns); err != nil {
		return "", err
	}
	l.onClose(func() error { return DelNetns(ns) })
	// IPv6 autoconfiguration chatter (router solicitations, MLD reports)
	// would only blur what the lab shows: the lab is IPv4.
	return ns, DisableIPv6(ns)
}

func (l *Lab) build(ctx context.Context) error {
	if _, err := os.Stat(l.Dir); err == nil {
		return wrap(fmt.Sprintf("lab %q", l.Topology.Prefix), "create run dir",
			fmt.Errorf("%s exists: is the lab already up? (remove it with a sweep of prefix %q)", l.Dir, l.Topology.Prefix))
	}
	if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		return wrap(fmt.Sprintf("lab %q", l.Topology.Prefix), "create run dir", err)
	}
	l.onClose(func() error { return os.RemoveAll(l.Dir) })

	ul, err := l.addNetns(UnderlayNode)
	if err != nil {
		return err
	}
	if err := AddBridge(ctx, ul, UnderlayBridgeName, BridgeOptions{Snooping: l.Topology.Underlay.Snooping}); err != nil {
		return err
	}
	if l.Topology.Underlay.DropMulticast {
		if err := dropMulticast(ctx, ul, UnderlayBridgeName); err != nil {
			return err
		}
	}
	if err := l.buildSwitches(ctx); err != nil {
		return err
	}
	for _, h := range l.Topology.Hypervisors {
		l.log.WithField("hypervisor", h.Name).Info("building hypervisor")
		if err := l.buildHypervisor(ctx, l.Netns(h.switchOf()), h); err != nil {
			return err
		}
	}
	for _, v := range l.Topology.VMs {
		l.log.WithField("vm", v.Name).Info("building vm")
		if err := l.buildVM(ctx, v); err != nil {
			return err
		}
	}
	for _, p := range l.Topology.PhysicalVTEPs {
		l.log.WithField("physical_vtep", p.Name).Info("building physical vtep")
		if err := l.buildPhysical(ctx, ul, p); err != nil {
			return err
		}
	}
	for _, r := range l.Topology.Routers {
		l.log.WithField("router", r.Name).Info("building router")
		if err := l.buildRouter(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

func (l *Lab) buildPhysical(ctx context.Context, ul string, p PhysicalVTEP) error {
	ns, err := l.addNetns(p.Name)
	if err != nil {
		return err
	}
	if err := AddVeth(ctx, End{Netns: ns, Name: "eth0"}, End{Netns: ul, Name: p.Name}); err != nil {
		return err
	}
	if err := l.attachUnderlay(ctx, ul, p.Name); err != nil {
		return err
	}
	if err := AddAddr(ns, "eth0", p.VTEPIP); err != nil {
		return err
	}
	if p.EVPN != nil {
		return l.buildEVPNPhysical(ctx, ns, p)
	}
	local := mustIP(p.VTEPIP).String()
	for _, n := range p.Networks {
		dev := "vx" + strconv.Itoa(n.VNI)
		mtu := n.MTU
		if mtu == 0 {
			mtu = DefaultVMMTU
		}
		if _, err := Exec(ctx, ns, "ip", "link", "add", dev, "address", n.MAC, "mtu", strconv.Itoa(mtu),
			"type", "vxlan", "id", strconv.Itoa(n.VNI), "group", n.Group, "dev", "eth0",
			"local", local, "dstport", "4789"); err != nil {
			return wrap(fmt.Sprintf("physical vtep %q", p.Name), "create vxlan device "+dev, err)
		}
		if err := AddAddr(ns, dev, n.IP); err != nil {
			return err
		}
		if err := LinkUp(ns, dev); err != nil {
			return err
		}
	}
	return nil
}

// dropMulticast makes a Linux bridge drop IPv4 multicast between its ports
// (ebtables-free: an ingress tc filter on every port would need each port;
// the bridge's multicast flooding is simply switched off instead).
func dropMulticast(ctx context.Context, ns, bridge string) error {
	// With snooping on and no querier, the bridge floods unregistered
	// multicast only to router ports; turning mcast_flood off on ports is
	// done as they join (see attachUnderlay).
	_, err := Exec(ctx, ns, "ip", "link", "set", bridge, "type", "bridge", "mcast_snooping", "1", "mcast_querier", "0")
	return wrap(fmt.Sprintf("bridge %s/%s", ns, bridge), "drop multicast", err)
}

func (l *Lab) attachUnderlay(ctx context.Context, ul, port string) error {
	if err := SetMaster(ul, port, UnderlayBridgeName); err != nil {
		return err
	}
	if l.Topology.Underlay.DropMulticast {
		if _, err := Exec(ctx, ul, "bridge", "link", "set", "dev", port, "mcast_flood", "off", "mcast_router", "0"); err != nil {
			return wrap(fmt.Sprintf("port %s/%s", ul, port), "stop multicast flooding", err)
		}
	}
	return nil
}

func (l *Lab) buildHypervisor(ctx context.Context, ul string, h Hypervisor) error {
	ns, err := l.addNetns(h.Name)
	if err != nil {
		return err
	}
	o, err := StartOVS(ctx, ns, ns, filepath.Join(l.Dir, h.Name))
	if err != nil {
		return err
	}
	l.onClose(o.Close)
	l.onClose(func() error { return stopHolder(l.NodeDir(h.Name), h.overlayBridge()) })
	l.OVS[h.Name] = o
	// The uplink: eth0 in the hypervisor, a port named after the node on the underlay switch.
	if err := AddVeth(ctx, End{Netns: ns, Name: "eth0"}, End{Netns: ul, Name: h.Name}); err != nil {
		return err
	}
	if err := l.attachUnderlay(ctx, ul, h.Name); err != nil {
		return err
	}
	// eth0 is an OVS port, but the kernel still sees what arrives on it and
	// would answer ARP for the VTEP IP (held by the underlay bridge) with
	// eth0's own MAC; a peer whose OVS caches that answer sends its tunnel
	// packets to a MAC the underlay bridge does not decapsulate.
	if err := SetSysctl(ns, "net/ipv4/conf/eth0/arp_ignore", "1"); err != nil {
		return err
	}
	phy, ovl := h.underlayBridge(), h.overlayBridge()
	obj := fmt.Sprintf("hypervisor %q", h.Name)
	if _, err := o.Vsctl(ctx, "add-br", phy, "--", "set", "bridge", phy, "datapath_type=netdev",
		"--", "add-port", phy, "eth0"); err != nil {
		return wrap(obj, "create underlay bridge "+phy, err)
	}
	if err := AddAddr(ns, phy, h.VTEPIP); err != nil {
		return err
	}
	if err := LinkUp(ns, phy); err != nil {
		return err
	}
	if err := hypervisorGateway(ctx, ns, h); err != nil {
		return err
	}
	if _, err := o.Vsctl(ctx, "add-br", ovl, "--", "set", "bridge", ovl, "datapath_type=netdev",
		"fail_mode=secure", "protocols=OpenFlow13"); err != nil {
		return wrap(obj, "create overlay bridge "+ovl, err)
	}
	return nil
}

func (l *Lab) buildVM(ctx context.Context, v VM) error {
	ns, err := l.addNetns(v.Name)
	if err != nil {
		return err
	}
	var h Hypervisor
	for _, x := range l.Topology.Hypervisors {
		if x.Name == v.Hypervisor {
			h = x
		}
	}
	hns := l.Topology.Netns(h.Name)
	mac, _ := ParseMAC("mac", v.MAC)
	if err := AddVeth(ctx, End{Netns: ns, Name: "eth0", MAC: mac, MTU: v.mtu()}, End{Netns: hns, Name: v.port(), MTU: v.mtu()}); err != nil {
		return err
	}
	if err := AddAddr(ns, "eth0", v.IP); err != nil {
		return err
	}
	if v.Tagged {
		// No 8021q module here: a tc program tags what eth0 sends and untags what it receives.
		if err := AddVLANTagger(ctx, ns, "eth0", v.VLAN); err != nil {
			return err
		}
	}
	args := []string{"add-port", h.overlayBridge(), v.port()}
	switch {
	case v.VLAN != 0 && v.Tagged:
		args = append(args, "trunks="+strconv.Itoa(v.VLAN))
	case v.VLAN != 0:
		args = append(args, "tag="+strconv.Itoa(v.VLAN))
	}
	if _, err := l.OVS[h.Name].Vsctl(ctx, args...); err != nil {
		return wrap(fmt.Sprintf("vm %q", v.Name), "add port "+v.port()+" to "+h.overlayBridge(), err)
	}
	return nil
}

// Netns returns the namespace of a node (hypervisor, VM or "ul").
func (l *Lab) Netns(node string) string { return l.Topology.Netns(node) }

// Exec runs a command inside a node's namespace.
func (l *Lab) Exec(ctx context.Context, node, name string, args ...string) (string, error) {
	return Exec(ctx, l.Netns(node), name, args...)
}

// Close removes what Build made, in reverse order, and returns every error.
func (l *Lab) Close() error {
	var errs []error
	for i := len(l.undo) - 1; i >= 0; i-- {
		if err := l.undo[i](); err != nil {
			errs = append(errs, err)
		}
	}
	l.undo = nil
	return errors.Join(errs...)
}

// WaitFor polls cond every interval until it returns true or ctx ends; the
// returned error carries cond's last error.
func WaitFor(ctx context.Context, interval time.Duration, cond func() (bool, error)) error {
	var last error
	for {
		ok, err := cond()
		if ok {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("%w (last: %v)", ctx.Err(), last)
			}
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

// StartDaemon starts a long-running process in a node's namespace, its log
// and pidfile in the node's run dir; Close stops it before anything else.
func (l *Lab) StartDaemon(ctx context.Context, node, name string, args ...string) (*Daemon, error) {
	d, err := StartDaemon(ctx, l.Netns(node), filepath.Join(l.Dir, node), name, args...)
	if err != nil {
		return nil, err
	}
	l.onClose(func() error {
		if !d.Running() {
			return nil
		}
		return d.Stop()
	})
	return d, nil
}

// NodeDir returns a node's run directory (its OVS instance's, for a hypervisor).
func (l *Lab) NodeDir(node string) string { return filepath.Join(l.Dir, node) }
