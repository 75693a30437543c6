package demo

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// stepTimeout bounds the wait for what one step of the demo expects.
const stepTimeout = 15 * time.Second

// Demo is one run of the walk-through on a lab that is up.
type Demo struct {
	// Lab is the running lab; Cast who plays which part in it.
	Lab  *labs.Running
	Cast *Cast
	// Out receives the narrative.
	Out io.Writer
	// ShowMACs returns a hypervisor's learned table as the operator would
	// see it (vtepctl macs). When nil or failing, the table read from the
	// bridge's flows is printed instead.
	ShowMACs func(ctx context.Context, hv string) (string, error)

	ctx  context.Context
	step int
}

// tables holds every VTEP's learned table, by node name.
type tables map[string][]labs.LearnedEntry

// Run runs the steps in order and stops at the first that does not hold.
func (d *Demo) Run(ctx context.Context) error {
	d.ctx = ctx
	for _, s := range []func() error{d.stepLab, d.stepARP, d.stepPing} {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

func (d *Demo) printf(format string, a ...any) { fmt.Fprintf(d.Out, format, a...) }

func (d *Demo) title(s string) {
	d.step++
	d.printf("\n== Step %d: %s ==\n", d.step, s)
}

func (d *Demo) say(format string, a ...any) { d.printf("   "+format+"\n", a...) }

// check fails the step with a message when cond is false, and prints it as
// held otherwise.
func (d *Demo) check(cond bool, format string, a ...any) error {
	if !cond {
		return fmt.Errorf("step %d: %s", d.step, fmt.Sprintf(format, a...))
	}
	d.printf("   [ok] "+format+"\n", a...)
	return nil
}

func (d *Demo) timeout(t time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(d.ctx, t)
}

// capture starts one capture of VXLAN traffic per VTEP cable on the
// underlay switch.
func (d *Demo) capture() (map[string]*labs.Capture, error) {
	ctx, cancel := d.timeout(stepTimeout)
	defer cancel()
	caps := map[string]*labs.Capture{}
	for _, hv := range d.Cast.UnderlayCables {
		cp, err := labs.StartCapture(ctx, d.Lab.Netns(labs.UnderlayNode), hv, "udp port 4789")
		if err != nil {
			stopAll(caps)
			return nil, fmt.Errorf("step %d: capture on %s's cable: %w", d.step, hv, err)
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

func (d *Demo) showWire(caps map[string]*labs.Capture) {
	for _, hv := range d.Cast.UnderlayCables {
		lines := caps[hv].Lines()
		if len(lines) == 0 {
			d.say("  %-4s (nothing)", hv)
		}
		for _, l := range lines {
			d.say("  %-4s %s", hv, labs.WireLine(l))
		}
	}
}

// tables reads every hypervisor's learned table from its overlay bridge.
func (d *Demo) tables() (tables, error) {
	ctx, cancel := d.timeout(stepTimeout)
	defer cancel()
	t := tables{}
	for _, h := range d.Lab.File.Hypervisors {
		es, err := d.Lab.OVS[h.Name].Learned(ctx, labs.DefaultOverlayBridge)
		if err != nil {
			return nil, fmt.Errorf("step %d: read %s's learned table: %w", d.step, h.Name, err)
		}
		t[h.Name] = es
	}
	return t, nil
}

// waitTables polls the learned tables until cond holds or the step times
// out; a timeout is left to the step's checks, which say what is missing.
func (d *Demo) waitTables(cond func(tables) bool) (tables, error) {
	ctx, cancel := d.timeout(stepTimeout)
	defer cancel()
	var t tables
	err := labs.WaitFor(ctx, 50*time.Millisecond, func() (bool, error) {
		var err error
		t, err = d.tables()
		return err == nil && cond(t), err
	})
	if t == nil {
		return nil, err
	}
	return t, nil
}

func (d *Demo) showTables(t tables) {
	ctx, cancel := d.timeout(stepTimeout)
	defer cancel()
	for _, h := range d.Lab.File.Hypervisors {
		d.printf("   %s (VTEP %s):\n", h.Name, ipOf(h.VTEPIP))
		if d.ShowMACs != nil {
			if s, err := d.ShowMACs(ctx, h.Name); err == nil {
				d.printf("%s", indent(s, "    "))
				continue
			}
		}
		printLearned(d.Out, "    ", t[h.Name])
	}
	for _, p := range d.Cast.Physical {
		d.printf("   %s (VTEP %s, Linux kernel VXLAN):\n", p.Name, ipOf(p.VTEPIP))
		es := d.physicalFDB(ctx, p)
		if len(es) == 0 {
			d.printf("    (no MAC learned)\n")
		}
		for _, e := range es {
			d.printf("    %s  VNI %d  %s\n", e.MAC, d.Cast.VNI, e.Where())
		}
	}
}

// printLearned prints a learned table: MAC, VNI, where (VTEP or local port), age.
func printLearned(w io.Writer, indent string, entries []labs.LearnedEntry) {
	if len(entries) == 0 {
		fmt.Fprintf(w, "%s(no MAC learned)\n", indent)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%sMAC\tVNI\tBEHIND\tAGE\n", indent)
	for _, e := range entries {
		fmt.Fprintf(tw, "%s%s\t%d\t%s\t%.0fs\n", indent, e.MAC, e.VNI, e.Where(), e.Age.Seconds())
	}
	_ = tw.Flush()
}

func indent(s, by string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = by + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}

// physicalFDB reads what a kernel VXLAN VTEP learned in the demo's VNI, as
// learned entries; nothing when it cannot be read.
func (d *Demo) physicalFDB(ctx context.Context, p labs.FilePhysicalVTEP) []labs.LearnedEntry {
	fdb, err := labs.FDB(ctx, d.Lab.Netns(p.Name), fmt.Sprintf("vx%d", d.Cast.VNI))
	if err != nil {
		return nil
	}
	var es []labs.LearnedEntry
	for _, e := range fdb {
		es = append(es, labs.LearnedEntry{LearnedMAC: pipeline.LearnedMAC{VNI: uint32(d.Cast.VNI), MAC: e.MAC, Remote: true, VTEP: e.Dst}})
	}
	return es
}

func hasRemote(es []labs.LearnedEntry, mac string, vni int, vtep string) bool {
	e, ok := labs.FindLearned(es, mac, uint32(vni))
	return ok && e.Remote && e.VTEP.String() == vtep
}

func hasLocal(es []labs.LearnedEntry, mac string, vni int, port string) bool {
	e, ok := labs.FindLearned(es, mac, uint32(vni))
	return ok && !e.Remote && e.PortName == port
}

func knows(es []labs.LearnedEntry, mac string, vni int) bool {
	_, ok := labs.FindLearned(es, mac, uint32(vni))
	return ok
}
