package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vtep/vtep/labs"
)

func init() {
	registerLab("macs", labCommand("macs", "[--prefix P] VTEP [MACS OPTIONS]",
		"a VTEP's learned MAC table: vtepctl macs against that hypervisor's vtepd (a physical VTEP: its kernel forwarding database)",
		labParse{flags: []string{"prefix"}, stopAfter: 1}, func(c labCtx, a *labArgs) error { return runLabVTEPCommand(c, a, "macs") }))
	registerLab("flows", labCommand("flows", "[--prefix P] VTEP [DUMP-FLOWS OPTIONS]",
		"a hypervisor's flows: vtepctl dump-flows against that hypervisor's vtepd",
		labParse{flags: []string{"prefix"}, stopAfter: 1}, func(c labCtx, a *labArgs) error { return runLabVTEPCommand(c, a, "dump-flows") }))
}

// runLabVTEPCommand runs a vtepctl command (macs, dump-flows) against one
// hypervisor of a lab: the same code as `vtepctl NAME --api unix:<hypervisor
// run dir>/vtepd-api.sock OPTIONS`.
func runLabVTEPCommand(c labCtx, a *labArgs, name string) error {
	if len(a.pos) < 1 {
		return usageErr("want a VTEP (a hypervisor or physical VTEP of the lab)")
	}
	f, err := findLabFile(a.prefix)
	if err != nil {
		return err
	}
	vtep, extra := a.pos[0], append(a.pos[1:], a.rest...)
	for _, p := range f.PhysicalVTEPs {
		if p.Name == vtep && name == "macs" {
			return physicalMACs(c, f, p)
		}
	}
	o, ok := attachOVS(f, vtep)
	if !ok {
		var names []string
		for _, h := range f.Hypervisors {
			names = append(names, h.Name)
		}
		if name == "macs" {
			for _, p := range f.PhysicalVTEPs {
				names = append(names, p.Name)
			}
		}
		return usageErr("lab %s has no VTEP %q; its VTEPs: %s", f.Prefix, vtep, strings.Join(names, ", "))
	}
	if cmd, ok := commands[name]; ok {
		code := cmd.run(c.ctx, append([]string{"--api", apiSocket(f.Prefix, vtep)}, extra...), c.stdout, c.stderr)
		if code != 0 {
			return &errExit{code: code}
		}
		return nil
	}
	// This vtepctl has no such command: show what OVS itself says.
	if len(extra) > 0 {
		return usageErr("options %q need the vtepctl %s command, which this build lacks", extra, name)
	}
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	if name == "macs" {
		entries, err := readLearned(ctx, o)
		if err != nil {
			return err
		}
		printLearned(c.stdout, "", entries)
		return nil
	}
	out, err := o.Ofctl(ctx, "dump-flows", labs.DefaultOverlayBridge)
	if err != nil {
		return err
	}
	c.printf("%s", out)
	return nil
}

// physicalMACs prints what a Linux kernel VXLAN VTEP learned: its
// forwarding database, MAC -> remote VTEP, per VXLAN device.
func physicalMACs(c labCtx, f *labs.File, p labs.FilePhysicalVTEP) error {
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	var errs []error
	for _, n := range p.Networks {
		dev := fmt.Sprintf("vx%d", n.VNI)
		out, err := labs.Exec(ctx, f.Topology().Netns(p.Name), "bridge", "fdb", "show", "dev", dev)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.printf("%s (Linux kernel VXLAN, VNI %d, group %s):\n", dev, n.VNI, n.Group)
		found := false
		for _, l := range strings.Split(out, "\n") {
			fs := strings.Fields(l)
			if len(fs) < 3 || fs[0] == "00:00:00:00:00:00" || !strings.Contains(l, " dst ") {
				continue
			}
			var dst string
			for i := range fs {
				if fs[i] == "dst" && i+1 < len(fs) {
					dst = fs[i+1]
				}
			}
			c.printf("  %s  VNI %d  VTEP %s\n", fs[0], n.VNI, dst)
			found = true
		}
		if !found {
			c.printf("  (no MAC learned)\n")
		}
	}
	return errors.Join(errs...)
}

// showLearned prints a hypervisor's learned table the way `vtepctl macs`
// does when this vtepctl has it, else from the flows OVS holds.
func showLearned(ctx context.Context, prefix, hv string, o *labs.OVS, entries []learnedEntry) string {
	var b bytes.Buffer
	if cmd, ok := commands["macs"]; ok {
		var errb bytes.Buffer
		if code := cmd.run(ctx, []string{"--api", apiSocket(prefix, hv)}, &b, &errb); code == 0 {
			return indent(b.String(), "    ")
		}
		b.Reset()
	}
	printLearned(&b, "    ", entries)
	return b.String()
}

func indent(s, by string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = by + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}
