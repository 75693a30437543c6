package demo

import (
	"fmt"
	"strings"
	"time"

	"github.com/vtep/vtep/labs"
)

// stepLab shows the lab, checks that the snooping underlay lists every
// VTEP of the VNI as a group member and that nothing is learned yet.
func (d *Demo) stepLab() error {
	c := d.Cast
	f := d.Lab.File
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
	d.say("VLAN %d -> VNI %d -> group %s. A is VM %s on %s, B is VM %s on %s.", c.A.VLAN, c.VNI, c.Group,
		c.A.Name, c.HVA.Name, c.B.Name, c.HVB.Name)
	if c.UnderlaySnooping {
		if err := d.checkMembers(); err != nil {
			return err
		}
	}
	t, err := d.tables()
	if err != nil {
		return err
	}
	d.say("Learned tables before any traffic:")
	d.showTables(t)
	for _, h := range f.Hypervisors {
		if err := d.check(len(t[h.Name]) == 0, "%s has learned nothing yet", h.Name); err != nil {
			return err
		}
	}
	return nil
}

// checkMembers waits until the underlay switch lists every carrier of the
// VNI as a member of its group (IGMP registration takes a few seconds).
func (d *Demo) checkMembers() error {
	c := d.Cast
	d.say("The underlay switch snoops IGMP: a group's packets go only to the ports that joined it.")
	ctx, cancel := d.timeout(30 * time.Second)
	defer cancel()
	var members []string
	err := labs.WaitFor(ctx, 200*time.Millisecond, func() (bool, error) {
		es, err := labs.MDB(ctx, d.Lab.Netns(labs.UnderlayNode))
		if err != nil {
			return false, err
		}
		members = labs.GroupMembers(es)[c.Group]
		return containsAllOf(members, c.Carriers), nil
	})
	return d.check(err == nil, "the underlay switch lists every VTEP of VNI %d as a member of %s (members: %s)",
		c.VNI, c.Group, strings.Join(members, " "))
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

// stepPing pings B from A and checks that it is known unicast, VTEP to
// VTEP, that nothing goes to the group and that the bystanders see none of it.
func (d *Demo) stepPing() error {
	c := d.Cast
	A, B := strings.ToUpper(c.A.Name), strings.ToUpper(c.B.Name)
	d.title(fmt.Sprintf("%s pings %s: known unicast, VTEP to VTEP", A, B))
	caps, err := d.capture()
	if err != nil {
		return err
	}
	defer stopAll(caps)
	d.say("%s$ ping -c 3 %s", c.A.Name, c.IPB)
	ctx, cancel := d.timeout(time.Minute)
	defer cancel()
	out, perr := d.Lab.Exec(ctx, c.A.Name, "ping", "-c", "3", "-i", "0.2", "-W", "2", c.IPB)
	sum, ok := labs.ParsePing(out)
	if ok {
		d.say("%s", sum.Line)
	}
	if err := d.check(perr == nil && ok && sum.Received == 3, "%s answered all 3 pings", B); err != nil {
		return fmt.Errorf("%w\n%s", err, out)
	}
	request := []string{c.VTEPA + ".", "> " + c.VTEPB + ".4789", "ICMP echo request"}
	reply := []string{"> " + c.VTEPA + ".4789", c.VTEPB + ".", "ICMP echo reply"}
	wctx, wcancel := d.timeout(stepTimeout)
	defer wcancel()
	// Wait for all six packets on A's VTEP's cable before stopping the captures.
	on := caps[c.HVA.Name]
	for _, p := range [][]string{request, reply} {
		if err := on.WaitCount(wctx, 3, p...); err != nil {
			return fmt.Errorf("step %d: %w", d.step, err)
		}
	}
	stopAll(caps)
	d.say("On the wire:")
	d.showWire(caps)
	if err := d.checkPingWire(caps, request, reply); err != nil {
		return err
	}
	t, err := d.tables()
	if err != nil {
		return err
	}
	d.say("Learned tables at the end:")
	d.showTables(t)
	return nil
}

func (d *Demo) checkPingWire(caps map[string]*labs.Capture, request, reply []string) error {
	c := d.Cast
	on := caps[c.HVA.Name]
	if err := d.check(on.Count(request...) == 3 && on.Count(reply...) == 3,
		"3 echo requests went %s -> %s and 3 replies came back, VXLAN VNI %d", c.VTEPA, c.VTEPB, c.VNI); err != nil {
		return err
	}
	groupPkts := 0
	for _, cp := range caps {
		groupPkts += cp.Count("> " + c.Group + ".4789")
	}
	if err := d.check(groupPkts == 0, "nothing went to the group %s", c.Group); err != nil {
		return err
	}
	for _, h := range c.onlookers() {
		if err := d.check(caps[h].Count("ICMP") == 0, "%s saw none of it", h); err != nil {
			return err
		}
	}
	return nil
}
