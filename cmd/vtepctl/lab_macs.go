package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/labs"
)

// newLabVTEPCmd returns "lab macs" or "lab flows": the vtepctl command
// name (macs, dump-flows) against one hypervisor of a lab, the same as
// `vtepctl NAME --api unix:<hypervisor run dir>/vtepd-api.sock OPTIONS`.
func newLabVTEPCmd(sub, name string) *cobra.Command {
	use, summary := "macs [--prefix P] VTEP [MACS OPTIONS]",
		"a VTEP's learned MAC table: vtepctl macs against that hypervisor's vtepd (a physical VTEP: its kernel forwarding database)"
	if sub == "flows" {
		use, summary = "flows [--prefix P] VTEP [DUMP-FLOWS OPTIONS]", "a hypervisor's flows: vtepctl dump-flows against that hypervisor's vtepd"
	}
	cmd := labCommand(use, summary, labParse{flags: []string{"prefix"}, stopAfter: 1},
		func(c labCtx, a *labArgs) error { return runLabVTEPCommand(c, a, name) })
	cmd.ValidArgsFunction = completeLabNodes
	return cmd
}

func runLabVTEPCommand(c labCtx, a *labArgs, name string) error {
	if len(a.pos) < 1 {
		return usageErr("want a VTEP (a hypervisor or physical VTEP of the lab)")
	}
	f, err := labs.FindLabFile(a.prefix)
	if err != nil {
		return err
	}
	vtep, extra := a.pos[0], append(a.pos[1:], a.rest...)
	for _, p := range f.PhysicalVTEPs {
		if p.Name == vtep && name == "macs" {
			return physicalMACs(c, f, p)
		}
	}
	if _, ok := f.HypervisorOVS(vtep); !ok {
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
	args := append([]string{name, "--api", labs.APISocket(f.Prefix, vtep)}, extra...)
	if code := run(c.ctx, args, c.stdout, c.stderr); code != 0 {
		return &exitError{code: code}
	}
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
		es, err := labs.FDB(ctx, f.Topology().Netns(p.Name), dev)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if p.EVPN != nil {
			c.printf("%s (Linux kernel VXLAN driven by FRR, VNI %d, BGP EVPN):\n", dev, n.VNI)
		} else {
			c.printf("%s (Linux kernel VXLAN, VNI %d, group %s):\n", dev, n.VNI, n.Group)
		}
		for _, e := range es {
			how := ""
			if e.ExternLearn {
				how = "  (from BGP EVPN: extern_learn)"
			}
			c.printf("  %s  VNI %d  VTEP %s%s\n", e.MAC, n.VNI, e.Dst, how)
		}
		if len(es) == 0 {
			c.printf("  (no MAC learned)\n")
		}
	}
	return errors.Join(errs...)
}
