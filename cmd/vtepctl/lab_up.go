package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/demo"
)

// upTimeout bounds bringing a lab up.
const upTimeout = 3 * time.Minute

func newLabUpCmd() *cobra.Command {
	return labCommand("up FILE [--prefix P] [--vtepd PATH]",
		"build a lab from its file and start one vtepd per hypervisor; the lab runs until `lab down`",
		labParse{flags: []string{"prefix", "vtepd"}}, runLabUp)
}

func newLabDemoCmd() *cobra.Command {
	return labCommand("demo FILE [--keep] [--prefix P] [--vtepd PATH]",
		"bring a lab up and walk through VXLAN flooding and learning (A ARPs for B, then pings it), checking every step; then take it down (--keep: leave it up)",
		labParse{flags: []string{"prefix", "vtepd", "keep"}}, runLabDemo)
}

func runLabUp(c labCtx, a *labArgs) error {
	if len(a.pos) != 1 || len(a.rest) > 0 {
		return usageErr("want exactly one lab file")
	}
	_, err := bringUp(c, a.pos[0], a)
	return err
}

// bringUp loads a lab file, brings the lab up and records it, printing
// progress. On failure nothing of the lab is left.
func bringUp(c labCtx, path string, a *labArgs) (*labs.Running, error) {
	f, err := labs.LoadFile(path)
	if err != nil {
		return nil, err
	}
	if a.prefix != "" {
		f.Prefix = a.prefix
		if err := f.Check(); err != nil {
			return nil, fmt.Errorf("--prefix: %w", err)
		}
	}
	vtepd, err := labs.FindVtepd(a.vtepd)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(c.ctx, upTimeout)
	defer cancel()
	c.printf("lab %s: %s\n", f.Prefix, f.Description)
	c.printf("  vtepd: %s\n", vtepd)
	start := time.Now()
	r, err := labs.Up(ctx, f, vtepd, func(s string) { c.printf("  %s\n", s) })
	if err != nil {
		return nil, fmt.Errorf("lab %q did not come up (nothing of it is left): %w", f.Prefix, err)
	}
	if err := labs.SaveState(f, path, vtepd); err != nil {
		if _, derr := labs.Down(context.Background(), f.Prefix); derr != nil {
			err = errors.Join(err, derr)
		}
		return nil, err
	}
	c.printf("lab %s is up (%.1fs); run dir %s\n", f.Prefix, time.Since(start).Seconds(), r.Dir)
	c.printf("  explore:   vtepctl lab status --prefix %s\n", f.Prefix)
	if len(f.VMs) > 0 {
		c.printf("             vtepctl lab exec --prefix %s %s -- ping -c1 ADDRESS\n", f.Prefix, f.VMs[0].Name)
	}
	if len(f.Hypervisors) > 0 {
		c.printf("             vtepctl lab macs --prefix %s %s\n", f.Prefix, f.Hypervisors[0].Name)
	}
	c.printf("  take down: vtepctl lab down --prefix %s\n", f.Prefix)
	return r, nil
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
	if _, err := demo.NewCast(f); err != nil {
		return err
	}
	c.printf("== Bringing the lab up ==\n")
	r, err := bringUp(c, a.pos[0], a)
	if err != nil {
		return err
	}
	cast, err := demo.NewCast(r.File)
	if err == nil {
		d := &demo.Demo{Lab: r, Cast: cast, Out: c.stdout, ShowMACs: func(ctx context.Context, hv string) (string, error) {
			return labMACs(ctx, r.File.Prefix, hv)
		}}
		err = d.Run(c.ctx)
	}
	if err != nil {
		c.printf("\nFAILED: %v\n", err)
	} else {
		c.printf("\nEvery step held: flooding to the group, learning from what arrives, unicast to the learned VTEP.\n")
	}
	if a.keep {
		printKeep(c, r.File.Prefix, cast)
		return err
	}
	c.printf("\n== Taking the lab down ==\n")
	if derr := takeDown(c, r.File.Prefix); derr != nil {
		return errors.Join(err, derr)
	}
	return err
}

// printKeep says how to explore a lab the demo left up, and take it down.
func printKeep(c labCtx, p string, cast *demo.Cast) {
	c.printf("\nThe lab stays up (--keep). Explore it:\n")
	c.printf("  vtepctl lab status --prefix %s\n", p)
	if cast != nil {
		c.printf("  vtepctl lab exec --prefix %s %s -- ping -c3 %s\n", p, cast.A.Name, cast.IPB)
		c.printf("  vtepctl lab macs --prefix %s %s          learned MACs of a VTEP\n", p, cast.HVA.Name)
		c.printf("  vtepctl lab flows --prefix %s %s         its flows, with table names\n", p, cast.HVA.Name)
		c.printf("  vtepctl lab exec --prefix %s ul -- tcpdump -n -e -i %s udp port 4789   watch the wire\n", p, cast.HVA.Name)
	}
	c.printf("Take it down:\n  vtepctl lab down --prefix %s\n", p)
}

// labMACs returns a lab hypervisor's learned table as `vtepctl macs` prints it.
func labMACs(ctx context.Context, prefix, hv string) (string, error) {
	ms, err := api.NewClient(labs.APISocket(prefix, hv)).MACs(ctx, 0)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	err = printMACs(&b, ms)
	return b.String(), err
}
