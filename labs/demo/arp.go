package demo

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/vtep/vtep/labs"
)

// arpWire is what the request and the reply look like in a capture.
type arpWire struct {
	request, reply []string
}

// stepARP is the walk-through proper: one ARP request from A and B's one
// reply, each followed on the wire and in every VTEP's learned table.
func (d *Demo) stepARP() error {
	c := d.Cast
	A, B := strings.ToUpper(c.A.Name), strings.ToUpper(c.B.Name)
	d.title(fmt.Sprintf("%s asks: who has %s? (ARP request, broadcast); %s answers (ARP reply, unicast)", A, c.IPB, B))
	caps, err := d.capture()
	if err != nil {
		return err
	}
	defer stopAll(caps)
	// arping sends the request from a raw socket, so A's kernel did not ask
	// and would ignore the answer: arp_accept lets it record the reply (and
	// arping itself cannot see it on a tagged VM, whose tag is removed only
	// after raw sockets have seen the frame).
	if err := d.sysctl(c.A.Name, "arp_accept", "1"); err != nil {
		return err
	}
	d.say("%s$ arping -c 1 %s", c.A.Name, c.IPB)
	d.arping(c.A.Name, c.IPB)
	w := arpWire{
		request: []string{"> " + c.Group + ".4789", "vni " + fmt.Sprint(c.VNI), "Request who-has " + c.IPB + " tell " + c.IPA},
		reply:   []string{c.VTEPB + ".", "> " + c.VTEPA + ".4789", "vni " + fmt.Sprint(c.VNI), "Reply " + c.IPB + " is-at " + c.B.MAC},
	}
	if err := d.waitARPWire(caps, w); err != nil {
		return err
	}
	// Learning happens as the packets pass; wait until every VTEP shows it.
	t, err := d.waitTables(func(t tables) bool {
		for _, h := range c.Carriers {
			if h != c.HVA.Name && !hasRemote(t[h], c.A.MAC, c.VNI, c.VTEPA) {
				return false
			}
		}
		return hasRemote(t[c.HVA.Name], c.B.MAC, c.VNI, c.VTEPB)
	})
	if err != nil {
		return err
	}
	stopAll(caps)
	d.say("On the wire (the underlay switch's port of each VTEP, in order):")
	d.showWire(caps)
	if err := d.checkNeighbor(); err != nil {
		return err
	}
	if err := d.checkARPWire(caps, w); err != nil {
		return err
	}
	d.say("Learned tables now:")
	d.showTables(t)
	if err := d.checkARPLearned(t); err != nil {
		return err
	}
	return d.physicalLearned(c.A.MAC, c.VTEPA)
}

// waitARPWire waits for the request on every receiver's cable and for the
// reply on B's and A's VTEPs' cables.
func (d *Demo) waitARPWire(caps map[string]*labs.Capture, w arpWire) error {
	c := d.Cast
	ctx, cancel := d.timeout(stepTimeout)
	defer cancel()
	for _, hv := range append([]string{c.HVA.Name}, c.receivers()...) {
		if _, err := caps[hv].WaitFor(ctx, w.request...); err != nil {
			return fmt.Errorf("step %d: the request did not reach %s's cable: %w", d.step, hv, err)
		}
	}
	for _, hv := range []string{c.HVB.Name, c.HVA.Name} {
		if _, err := caps[hv].WaitFor(ctx, w.reply...); err != nil {
			return fmt.Errorf("step %d: the reply did not cross %s's cable as unicast VXLAN %s -> %s: %w", d.step, hv, c.VTEPB, c.VTEPA, err)
		}
	}
	return nil
}

// checkNeighbor checks that A's kernel recorded B's MAC from the reply.
func (d *Demo) checkNeighbor() error {
	c := d.Cast
	ctx, cancel := d.timeout(stepTimeout)
	defer cancel()
	want, _ := net.ParseMAC(c.B.MAC)
	err := labs.WaitFor(ctx, 50*time.Millisecond, func() (bool, error) {
		out, err := d.Lab.Exec(ctx, c.A.Name, "ip", "neigh", "show", c.IPB)
		for _, n := range labs.ParseNeigh(out) {
			if n.IP.String() == c.IPB && n.MAC != nil && n.MAC.String() == want.String() {
				return true, nil
			}
		}
		return false, err
	})
	return d.check(err == nil, "%s received the reply: its kernel has %s at %s", strings.ToUpper(c.A.Name), c.IPB, c.B.MAC)
}

// checkARPWire checks what each cable carried: the request once to the
// group and delivered to every receiver, the reply once and only unicast.
func (d *Demo) checkARPWire(caps map[string]*labs.Capture, w arpWire) error {
	c := d.Cast
	A, B := strings.ToUpper(c.A.Name), strings.ToUpper(c.B.Name)
	if err := d.check(caps[c.HVA.Name].Count(w.request...) == 1, "the request left %s once, as VXLAN VNI %d to the group %s (outer source %s)", c.HVA.Name, c.VNI, c.Group, c.VTEPA); err != nil {
		return err
	}
	for _, hv := range c.receivers() {
		if err := d.check(caps[hv].Count(w.request...) == 1, "the group delivered it to %s", hv); err != nil {
			return err
		}
	}
	if err := d.check(caps[c.HVB.Name].Count(w.reply...) == 1 && caps[c.HVB.Name].Count(c.VTEPB+".", "> "+c.Group+".4789") == 0,
		"only %s answered: the reply left %s once, as VXLAN straight to %s (it had learned %s there), not to the group", B, c.HVB.Name, c.VTEPA, A); err != nil {
		return err
	}
	for _, h := range c.onlookers() {
		if err := d.check(caps[h].Count("Reply "+c.IPB) == 0, "%s saw the request but never the reply", h); err != nil {
			return err
		}
	}
	return nil
}

// checkARPLearned checks every VTEP's learned table after the exchange.
func (d *Demo) checkARPLearned(t tables) error {
	c := d.Cast
	A, B := strings.ToUpper(c.A.Name), strings.ToUpper(c.B.Name)
	for _, h := range c.Carriers {
		if h == c.HVA.Name {
			continue
		}
		if err := d.check(hasRemote(t[h], c.A.MAC, c.VNI, c.VTEPA), "%s learned %s's MAC %s in VNI %d behind VTEP %s (from the request)", h, A, c.A.MAC, c.VNI, c.VTEPA); err != nil {
			return err
		}
	}
	if err := d.check(hasLocal(t[c.HVA.Name], c.A.MAC, c.VNI, c.A.Name), "%s learned %s's MAC on its local port %s", c.HVA.Name, A, c.A.Name); err != nil {
		return err
	}
	if err := d.check(hasRemote(t[c.HVA.Name], c.B.MAC, c.VNI, c.VTEPB), "%s learned %s's MAC %s in VNI %d behind VTEP %s (from the reply)", c.HVA.Name, B, c.B.MAC, c.VNI, c.VTEPB); err != nil {
		return err
	}
	for _, h := range c.Bystanders {
		if err := d.check(!knows(t[h.Name], c.B.MAC, c.VNI) && hasRemote(t[h.Name], c.A.MAC, c.VNI, c.VTEPA),
			"%s knows %s behind %s but not %s: the reply never went to the group", h.Name, A, c.VTEPA, B); err != nil {
			return err
		}
	}
	return nil
}

// physicalLearned checks that the kernel VXLAN VTEPs of the VNI learned mac behind vtep.
func (d *Demo) physicalLearned(mac, vtep string) error {
	for _, p := range d.Cast.Physical {
		ctx, cancel := d.timeout(stepTimeout)
		err := labs.WaitFor(ctx, 50*time.Millisecond, func() (bool, error) {
			return hasRemote(d.physicalFDB(ctx, p), mac, d.Cast.VNI, vtep), nil
		})
		cancel()
		if err := d.check(err == nil, "%s (Linux kernel VXLAN) learned %s behind VTEP %s too", p.Name, mac, vtep); err != nil {
			return err
		}
	}
	return nil
}

// arping sends one ARP request from node. Its verdict is not used: the
// checks look at the wire, the tables and the VM's kernel instead.
func (d *Demo) arping(node, ip string) {
	ctx, cancel := d.timeout(stepTimeout)
	defer cancel()
	_, _ = d.Lab.Exec(ctx, node, "arping", "-q", "-c", "1", "-w", "1", "-i", "eth0", ip)
}

// sysctl sets net.ipv4.conf.eth0.KEY in a node.
func (d *Demo) sysctl(node, key, value string) error {
	ctx, cancel := d.timeout(stepTimeout)
	defer cancel()
	if _, err := d.Lab.Exec(ctx, node, "sysctl", "-q", "-w", "net.ipv4.conf.eth0."+key+"="+value); err != nil {
		return fmt.Errorf("step %d: %w", d.step, err)
	}
	return nil
}
