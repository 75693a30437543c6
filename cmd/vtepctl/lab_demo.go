package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/vtep/vtep/labs"
)

func init() {
	registerLab("demo", labCommand("demo", "FILE [--keep] [--prefix P] [--vtepd PATH]",
		"bring a lab up and walk through VXLAN flooding and learning (A ARPs for B, then pings it), checking every step; then take it down (--keep: leave it up)",
		labParse{flags: []string{"prefix", "vtepd", "keep"}}, runLabDemo))
}

// stepTimeout bounds the wait for what one step of the demo expects.
const stepTimeout = 15 * time.Second

// demoCast is who plays which part in the walk-through: A and B are VMs in
// one VNI on different hypervisors; the others are the VTEPs that carry the
// VNI but neither A nor B.
type demoCast struct {
	a, b             labs.FileVM
	hvA, hvB         labs.FileHypervisor
	vni              int
	group            string
	bystanders       []labs.FileHypervisor // OVS VTEPs of the VNI other than A's and B's
	physical         []labs.FilePhysicalVTEP
	carriers         []string // every hypervisor carrying the VNI (group members)
	ipA, ipB         string   // addresses without prefix
	vtepA, vtepB     string
	underlayCables   []string // underlay switch ports of the VTEPs, in file order
	underlaySnooping bool
}

// castDemo picks A, B and the bystanders from a lab file.
func castDemo(f *labs.File) (*demoCast, error) {
	if f.VTEP.Flood != "" && f.VTEP.Flood != "multicast" {
		return nil, fmt.Errorf("lab %q: the demo shows multicast flooding; vtep.flood is %q", f.Prefix, f.VTEP.Flood)
	}
	hv := map[string]labs.FileHypervisor{}
	for _, h := range f.Hypervisors {
		hv[h.Name] = h
	}
	for i, a := range f.VMs {
		vni := vniOf(f, a.Hypervisor, a.VLAN)
		if vni == 0 {
			continue
		}
		for _, b := range f.VMs[i+1:] {
			if b.Hypervisor == a.Hypervisor || vniOf(f, b.Hypervisor, b.VLAN) != vni {
				continue
			}
			c := &demoCast{a: a, b: b, hvA: hv[a.Hypervisor], hvB: hv[b.Hypervisor], vni: vni,
				ipA: ipOf(a.IP), ipB: ipOf(b.IP), underlaySnooping: f.Underlay.IGMPSnooping}
			c.vtepA, c.vtepB = ipOf(c.hvA.VTEPIP), ipOf(c.hvB.VTEPIP)
			for _, h := range f.Hypervisors {
				c.underlayCables = append(c.underlayCables, h.Name)
				for _, n := range f.VTEP.Networks {
					if len(h.Networks) > 0 {
						break
					}
					if n.VNI == vni {
						c.group = n.Group
					}
				}
				for _, n := range h.Networks {
					if n.VNI == vni {
						c.group = n.Group
					}
				}
				if carries(f, h, vni) {
					c.carriers = append(c.carriers, h.Name)
					if h.Name != a.Hypervisor && h.Name != b.Hypervisor {
						c.bystanders = append(c.bystanders, h)
					}
				}
			}
			for _, p := range f.PhysicalVTEPs {
				for _, n := range p.Networks {
					if n.VNI == vni {
						c.physical = append(c.physical, p)
						c.underlayCables = append(c.underlayCables, p.Name)
					}
				}
			}
			return c, nil
		}
	}
	return nil, fmt.Errorf("lab %q: the demo needs two VMs with a VLAN that maps to the same VNI on two different hypervisors; this lab has none", f.Prefix)
}

// receivers returns the VTEPs (OVS and physical) of the VNI other than A's.
func (c *demoCast) receivers() []string {
	var out []string
	for _, h := range c.carriers {
		if h != c.hvA.Name {
			out = append(out, h)
		}
	}
	for _, p := range c.physical {
		out = append(out, p.Name)
	}
	return out
}

// onlookers returns the VTEPs of the VNI other than A's and B's.
func (c *demoCast) onlookers() []string {
	var out []string
	for _, h := range c.bystanders {
		out = append(out, h.Name)
	}
	for _, p := range c.physical {
		out = append(out, p.Name)
	}
	return out
}

func carries(f *labs.File, h labs.FileHypervisor, vni int) bool {
	nets := f.VTEP.Networks
	if len(h.Networks) > 0 {
		nets = h.Networks
	}
	for _, n := range nets {
		if n.VNI == vni {
			return true
		}
	}
	return false
}

func ipOf(cidr string) string {
	ip, _, _ := strings.Cut(cidr, "/")
	return ip
}

func runLabDemo(c labCtx, a *labArgs) error {
	if len(a.pos) != 1 || len(a.rest) > 0 {
		return usageErr("want exactly one lab file")
	}
	f, err := labs.LoadFile(a.pos[0])
	if err != nil {
		return err
	}
	if a.prefix != "" {
		f.Prefix = a.prefix
	}
	if _, err := castDemo(f); err != nil {
		return err
	}
	c.printf("== Bringing the lab up ==\n")
	r, err := bringUp(c, a.pos[0], a)
	if err != nil {
		return err
	}
	cast, _ := castDemo(r.File)
	d := &demo{labCtx: c, r: r, cast: cast}
	err = d.run()
	if err != nil {
		c.printf("\nFAILED: %v\n", err)
	} else {
		c.printf("\nEvery step held: flooding to the group, learning from what arrives, unicast to the learned VTEP.\n")
	}
	if a.keep {
		p := r.File.Prefix
		c.printf("\nThe lab stays up (--keep). Explore it:\n")
		c.printf("  vtepctl lab status --prefix %s\n", p)
		c.printf("  vtepctl lab exec --prefix %s %s -- ping -c3 %s\n", p, cast.a.Name, cast.ipB)
		c.printf("  vtepctl lab macs --prefix %s %s          learned MACs of a VTEP\n", p, cast.hvA.Name)
		c.printf("  vtepctl lab flows --prefix %s %s         its flows, with table names\n", p, cast.hvA.Name)
		c.printf("  vtepctl lab exec --prefix %s ul -- tcpdump -n -e -i %s udp port 4789   watch the wire\n", p, cast.hvA.Name)
		c.printf("Take it down:\n  vtepctl lab down --prefix %s\n", p)
		return err
	}
	c.printf("\n== Taking the lab down ==\n")
	if derr := takeDown(c, r.File.Prefix); derr != nil {
		return errors.Join(err, derr)
	}
	return err
}

// demo is one run of the walk-through.
type demo struct {
	labCtx
	r    *labs.Running
	cast *demoCast
	step int
}

func (d *demo) title(s string) {
	d.step++
	d.printf("\n== Step %d: %s ==\n", d.step, s)
}

func (d *demo) say(format string, a ...any) { d.printf("   "+format+"\n", a...) }

func (d *demo) ok(format string, a ...any) { d.printf("   [ok] "+format+"\n", a...) }

// check fails the step with a message when cond is false.
func (d *demo) check(cond bool, format string, a ...any) error {
	if !cond {
		return fmt.Errorf("step %d: %s", d.step, fmt.Sprintf(format, a...))
	}
	d.ok(format, a...)
	return nil
}

func (d *demo) ctx(timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(d.labCtx.ctx, timeout)
}

func (d *demo) run() error {
	for _, s := range []func() error{d.stepLab, d.stepARP, d.stepPing} {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

func (d *demo) stepLab() error {
	c := d.cast
	f := d.r.File
	d.title("the lab")
	for _, h := range f.Hypervisors {
		var vms []string
		for _, v := range f.VMs {
			if v.Hypervisor == h.Name {
				vms = append(vms, fmt.Sprintf("%s (%s, %s, VLAN %d)", strings.ToUpper(v.Name), v.MAC, ipOf(v.IP), v.VLAN))
			}
		}
		d.say("VTEP %-4s %-11s OVS + vtepd, VMs: %s", h.Name, ipOf(h.VTEPIP), strings.Join(vms, ", "))
	}
	for _, p := range f.PhysicalVTEPs {
		d.say("VTEP %-4s %-11s Linux kernel VXLAN (a physical machine)", p.Name, ipOf(p.VTEPIP))
	}
	d.say("VLAN %d -> VNI %d -> group %s. A is VM %s on %s, B is VM %s on %s.", c.a.VLAN, c.vni, c.group,
		c.a.Name, c.hvA.Name, c.b.Name, c.hvB.Name)
	if c.underlaySnooping {
		d.say("The underlay switch snoops IGMP: a group's packets go only to the ports that joined it.")
		ctx, cancel := d.ctx(30 * time.Second)
		defer cancel()
		var members []string
		err := labs.WaitFor(ctx, 200*time.Millisecond, func() (bool, error) {
			out, err := labs.Exec(ctx, d.r.Netns(labs.UnderlayNode), "bridge", "mdb", "show")
			if err != nil {
				return false, err
			}
			members = mdbGroups(out)[c.group]
			sort.Strings(members)
			return containsAllOf(members, c.carriers), nil
		})
		if err := d.check(err == nil, "the underlay switch lists every VTEP of VNI %d as a member of %s (members: %s)",
			c.vni, c.group, strings.Join(members, " ")); err != nil {
			return err
		}
	}
	tables, err := d.tables()
	if err != nil {
		return err
	}
	d.say("Learned tables before any traffic:")
	d.showTables(tables)
	for _, h := range f.Hypervisors {
		if err := d.check(len(tables[h.Name]) == 0, "%s has learned nothing yet", h.Name); err != nil {
			return err
		}
	}
	return nil
}

func containsAllOf(have, want []string) bool {
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	for _, w := range want {
		if !set[w] {
			return false
		}
	}
	return true
}

// stepARP is the walk-through proper: one ARP request from A and B's one
// reply, each followed on the wire and in every VTEP's learned table.
func (d *demo) stepARP() error {
	c := d.cast
	A, B := strings.ToUpper(c.a.Name), strings.ToUpper(c.b.Name)
	d.title(fmt.Sprintf("%s asks: who has %s? (ARP request, broadcast); %s answers (ARP reply, unicast)", A, c.ipB, B))
	caps, err := d.capture()
	if err != nil {
		return err
	}
	defer stopAll(caps)
	// arping sends the request from a raw socket, so A's kernel did not ask
	// and would ignore the answer: arp_accept lets it record the reply (and
	// arping itself cannot see it on a tagged VM, whose tag is removed only
	// after raw sockets have seen the frame).
	if err := d.sysctl(c.a.Name, "arp_accept", "1"); err != nil {
		return err
	}
	d.say("%s$ arping -c 1 %s", c.a.Name, c.ipB)
	d.arping(c.a.Name, c.ipB)
	ctx, cancel := d.ctx(stepTimeout)
	defer cancel()
	req := []string{"> " + c.group + ".4789", "vni " + fmt.Sprint(c.vni), "Request who-has " + c.ipB + " tell " + c.ipA}
	for _, hv := range append([]string{c.hvA.Name}, c.receivers()...) {
		if _, err := caps[hv].WaitFor(ctx, req...); err != nil {
			return fmt.Errorf("step %d: the request did not reach %s's cable: %w", d.step, hv, err)
		}
	}
	reply := []string{c.vtepB + ".", "> " + c.vtepA + ".4789", "vni " + fmt.Sprint(c.vni), "Reply " + c.ipB + " is-at " + c.b.MAC}
	for _, hv := range []string{c.hvB.Name, c.hvA.Name} {
		if _, err := caps[hv].WaitFor(ctx, reply...); err != nil {
			return fmt.Errorf("step %d: the reply did not cross %s's cable as unicast VXLAN %s -> %s: %w", d.step, hv, c.vtepB, c.vtepA, err)
		}
	}
	// Learning happens as the packets pass; wait until every VTEP shows it.
	tables, err := d.waitTables(func(t map[string][]learnedEntry) bool {
		for _, h := range c.carriers {
			if h != c.hvA.Name && !hasRemote(t[h], c.a.MAC, c.vni, c.vtepA) {
				return false
			}
		}
		return hasRemote(t[c.hvA.Name], c.b.MAC, c.vni, c.vtepB)
	})
	if err != nil {
		return err
	}
	stopAll(caps)
	d.say("On the wire (the underlay switch's port of each VTEP, in order):")
	d.showWire(caps)
	err = labs.WaitFor(ctx, 50*time.Millisecond, func() (bool, error) {
		out, err := d.r.Exec(ctx, c.a.Name, "ip", "neigh", "show", c.ipB)
		return strings.Contains(out, c.b.MAC), err
	})
	if err := d.check(err == nil, "%s received the reply: its kernel has %s at %s", A, c.ipB, c.b.MAC); err != nil {
		return err
	}
	if err := d.check(caps[c.hvA.Name].Count(req...) == 1, "the request left %s once, as VXLAN VNI %d to the group %s (outer source %s)", c.hvA.Name, c.vni, c.group, c.vtepA); err != nil {
		return err
	}
	for _, hv := range c.receivers() {
		if err := d.check(caps[hv].Count(req...) == 1, "the group delivered it to %s", hv); err != nil {
			return err
		}
	}
	if err := d.check(caps[c.hvB.Name].Count(reply...) == 1 && caps[c.hvB.Name].Count(c.vtepB+".", "> "+c.group+".4789") == 0,
		"only %s answered: the reply left %s once, as VXLAN straight to %s (it had learned %s there), not to the group", B, c.hvB.Name, c.vtepA, A); err != nil {
		return err
	}
	for _, h := range c.onlookers() {
		if err := d.check(caps[h].Count("Reply "+c.ipB) == 0, "%s saw the request but never the reply", h); err != nil {
			return err
		}
	}
	d.say("Learned tables now:")
	d.showTables(tables)
	for _, h := range c.carriers {
		if h == c.hvA.Name {
			continue
		}
		if err := d.check(hasRemote(tables[h], c.a.MAC, c.vni, c.vtepA), "%s learned %s's MAC %s in VNI %d behind VTEP %s (from the request)", h, A, c.a.MAC, c.vni, c.vtepA); err != nil {
			return err
		}
	}
	if err := d.check(hasLocal(tables[c.hvA.Name], c.a.MAC, c.vni, c.a.Name), "%s learned %s's MAC on its local port %s", c.hvA.Name, A, c.a.Name); err != nil {
		return err
	}
	if err := d.check(hasRemote(tables[c.hvA.Name], c.b.MAC, c.vni, c.vtepB), "%s learned %s's MAC %s in VNI %d behind VTEP %s (from the reply)", c.hvA.Name, B, c.b.MAC, c.vni, c.vtepB); err != nil {
		return err
	}
	for _, h := range c.bystanders {
		if err := d.check(!knows(tables[h.Name], c.b.MAC, c.vni) && hasRemote(tables[h.Name], c.a.MAC, c.vni, c.vtepA),
			"%s knows %s behind %s but not %s: the reply never went to the group", h.Name, A, c.vtepA, B); err != nil {
			return err
		}
	}
	return d.physicalLearned(c.a.MAC, c.vtepA)
}

func (d *demo) stepPing() error {
	c := d.cast
	A, B := strings.ToUpper(c.a.Name), strings.ToUpper(c.b.Name)
	d.title(fmt.Sprintf("%s pings %s: known unicast, VTEP to VTEP", A, B))
	caps, err := d.capture()
	if err != nil {
		return err
	}
	defer stopAll(caps)
	d.say("%s$ ping -c 3 %s", c.a.Name, c.ipB)
	ctx, cancel := d.ctx(time.Minute)
	defer cancel()
	out, perr := d.r.Exec(ctx, c.a.Name, "ping", "-c", "3", "-i", "0.2", "-W", "2", c.ipB)
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.Contains(l, "packets transmitted") {
			d.say("%s", l)
		}
	}
	if err := d.check(perr == nil && strings.Contains(out, "3 received"), "%s answered all 3 pings", B); err != nil {
		return fmt.Errorf("%w\n%s", err, out)
	}
	wctx, wcancel := d.ctx(stepTimeout)
	defer wcancel()
	// Wait for all six packets on hv1's cable before stopping the captures.
	on := caps[c.hvA.Name]
	if err := on.WaitCount(wctx, 3, c.vtepA+".", "> "+c.vtepB+".4789", "ICMP echo request"); err != nil {
		return fmt.Errorf("step %d: %w", d.step, err)
	}
	if err := on.WaitCount(wctx, 3, "> "+c.vtepA+".4789", c.vtepB+".", "ICMP echo reply"); err != nil {
		return fmt.Errorf("step %d: %w", d.step, err)
	}
	stopAll(caps)
	d.say("On the wire:")
	d.showWire(caps)
	if err := d.check(on.Count(c.vtepA+".", "> "+c.vtepB+".4789", "ICMP echo request") == 3 && on.Count("> "+c.vtepA+".4789", c.vtepB+".", "ICMP echo reply") == 3,
		"3 echo requests went %s -> %s and 3 replies came back, VXLAN VNI %d", c.vtepA, c.vtepB, c.vni); err != nil {
		return err
	}
	groupPkts := 0
	for _, cp := range caps {
		groupPkts += cp.Count("> " + c.group + ".4789")
	}
	if err := d.check(groupPkts == 0, "nothing went to the group %s", c.group); err != nil {
		return err
	}
	for _, h := range c.onlookers() {
		if err := d.check(caps[h].Count("ICMP") == 0, "%s saw none of it", h); err != nil {
			return err
		}
	}
	tables, err := d.tables()
	if err != nil {
		return err
	}
	d.say("Learned tables at the end:")
	d.showTables(tables)
	return nil
}

// arping sends one ARP request from a VM. Its verdict is not used: the
// checks look at the wire, the tables and the VM's kernel instead.
// arping sends one ARP request from node.
func (d *demo) arping(node, ip string) {
	ctx, cancel := d.ctx(stepTimeout)
	defer cancel()
	_, _ = d.r.Exec(ctx, node, "arping", "-q", "-c", "1", "-w", "1", "-i", "eth0", ip)
}

// sysctl sets net.ipv4.conf.eth0.KEY in a VM.
func (d *demo) sysctl(node, key, value string) error {
	ctx, cancel := d.ctx(stepTimeout)
	defer cancel()
	_, err := d.r.Exec(ctx, node, "sysctl", "-q", "-w", "net.ipv4.conf.eth0."+key+"="+value)
	return err
}

// capture starts one capture of VXLAN traffic per hypervisor cable on the
// underlay switch.
func (d *demo) capture() (map[string]*labs.Capture, error) {
	ctx, cancel := d.ctx(stepTimeout)
	defer cancel()
	caps := map[string]*labs.Capture{}
	for _, hv := range d.cast.underlayCables {
		cp, err := labs.StartCapture(ctx, d.r.Netns(labs.UnderlayNode), hv, "udp port 4789")
		if err != nil {
			stopAll(caps)
			return nil, err
		}
		caps[hv] = cp
	}
	return caps, nil
}

func stopAll(caps map[string]*labs.Capture) {
	for _, c := range caps {
		c.Stop()
	}
}

var wireRe = regexp.MustCompile(`(\d+\.\d+\.\d+\.\d+)\.\d+ > (\d+\.\d+\.\d+\.\d+)\.(\d+): VXLAN.*vni (\d+) \| (\S+) > (\S+), ethertype \S+ \(0x[0-9a-f]+\), length \d+: (.*?)(, length \d+)?$`)

// wireLine shortens a captured VXLAN packet to outer and inner headers.
func wireLine(l string) string {
	m := wireRe.FindStringSubmatch(l)
	if m == nil {
		return l
	}
	return fmt.Sprintf("VXLAN %s -> %s VNI %s | %s -> %s %s", m[1], m[2], m[4], m[5], m[6], m[7])
}

func (d *demo) showWire(caps map[string]*labs.Capture) {
	for _, hv := range d.cast.underlayCables {
		lines := caps[hv].Lines()
		if len(lines) == 0 {
			d.say("  %-4s (nothing)", hv)
		}
		for _, l := range lines {
			d.say("  %-4s %s", hv, wireLine(l))
		}
	}
}

// tables reads every hypervisor's learned table.
func (d *demo) tables() (map[string][]learnedEntry, error) {
	ctx, cancel := d.ctx(stepTimeout)
	defer cancel()
	t := map[string][]learnedEntry{}
	for _, h := range d.r.File.Hypervisors {
		es, err := readLearned(ctx, d.r.OVS[h.Name])
		if err != nil {
			return nil, fmt.Errorf("step %d: read %s's learned table: %w", d.step, h.Name, err)
		}
		t[h.Name] = es
	}
	return t, nil
}

// waitTables polls the learned tables until cond holds.
func (d *demo) waitTables(cond func(map[string][]learnedEntry) bool) (map[string][]learnedEntry, error) {
	ctx, cancel := d.ctx(stepTimeout)
	defer cancel()
	var t map[string][]learnedEntry
	err := labs.WaitFor(ctx, 50*time.Millisecond, func() (bool, error) {
		var err error
		t, err = d.tables()
		return err == nil && cond(t), err
	})
	if t == nil {
		return nil, err
	}
	// A timeout is left to the step's checks, which say what is missing.
	return t, nil
}

func (d *demo) showTables(t map[string][]learnedEntry) {
	ctx, cancel := d.ctx(stepTimeout)
	defer cancel()
	for _, h := range d.r.File.Hypervisors {
		d.printf("   %s (VTEP %s):\n", h.Name, ipOf(h.VTEPIP))
		d.printf("%s", showLearned(ctx, d.r.File.Prefix, h.Name, d.r.OVS[h.Name], t[h.Name]))
	}
	for _, p := range d.cast.physical {
		d.printf("   %s (VTEP %s, Linux kernel VXLAN):\n", p.Name, ipOf(p.VTEPIP))
		es := d.physicalFDB(ctx, p)
		if len(es) == 0 {
			d.printf("    (no MAC learned)\n")
		}
		for _, e := range es {
			d.printf("    %s  VNI %d  %s\n", e.MAC, d.cast.vni, e.Where())
		}
	}
}

// physicalFDB reads what a kernel VXLAN VTEP learned in the demo's VNI.
func (d *demo) physicalFDB(ctx context.Context, p labs.FilePhysicalVTEP) []learnedEntry {
	out, err := d.r.Exec(ctx, p.Name, "bridge", "fdb", "show", "dev", fmt.Sprintf("vx%d", d.cast.vni))
	if err != nil {
		return nil
	}
	var es []learnedEntry
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 3 || f[0] == "00:00:00:00:00:00" {
			continue
		}
		for i := range f {
			if f[i] == "dst" && i+1 < len(f) {
				e := learnedEntry{MAC: f[0], VNI: uint32(d.cast.vni)}
				e.Remote, _ = parseAddr(f[i+1])
				es = append(es, e)
			}
		}
	}
	return es
}

// physicalLearned checks that the kernel VXLAN VTEPs of the VNI learned mac behind vtep.
func (d *demo) physicalLearned(mac, vtep string) error {
	for _, p := range d.cast.physical {
		ctx, cancel := d.ctx(stepTimeout)
		err := labs.WaitFor(ctx, 50*time.Millisecond, func() (bool, error) {
			return hasRemote(d.physicalFDB(ctx, p), mac, uint32(d.cast.vni), vtep), nil
		})
		cancel()
		if err := d.check(err == nil, "%s (Linux kernel VXLAN) learned %s behind VTEP %s too", p.Name, mac, vtep); err != nil {
			return err
		}
	}
	return nil
}

func hasRemote(es []learnedEntry, mac string, vni any, vtep string) bool {
	for _, e := range es {
		if e.MAC == mac && fmt.Sprint(e.VNI) == fmt.Sprint(vni) && e.Remote.IsValid() && e.Remote.String() == vtep {
			return true
		}
	}
	return false
}

func hasLocal(es []learnedEntry, mac string, vni any, port string) bool {
	for _, e := range es {
		if e.MAC == mac && fmt.Sprint(e.VNI) == fmt.Sprint(vni) && !e.Remote.IsValid() && e.Port == port {
			return true
		}
	}
	return false
}

func knows(es []learnedEntry, mac string, vni any) bool {
	for _, e := range es {
		if e.MAC == mac && fmt.Sprint(e.VNI) == fmt.Sprint(vni) {
			return true
		}
	}
	return false
}
