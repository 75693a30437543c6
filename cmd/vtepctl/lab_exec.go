package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/vtep/vtep/labs"
)

func init() {
	registerLab("exec", labCommand("exec", "[--prefix P] NODE -- CMD [ARGS...]",
		"run a command in a node's namespace (hypervisor, VM, physical VTEP or ul, the underlay switch); exits with its status",
		labParse{flags: []string{"prefix"}, stopAfter: 1}, runLabExec))
}

func runLabExec(c labCtx, a *labArgs) error {
	if len(a.pos) != 1 || len(a.rest) == 0 {
		return usageErr("want a node and a command")
	}
	f, err := findLabFile(a.prefix)
	if err != nil {
		return err
	}
	node := a.pos[0]
	nodes := labNodes(f)
	if _, ok := nodes[node]; !ok {
		return usageErr("lab %s has no node %q; its nodes: %s", f.Prefix, node, strings.Join(sortedKeys(nodes), ", "))
	}
	ns := f.Topology().Netns(node)
	cmd := labs.Command(c.ctx, ns, a.rest[0], a.rest[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, c.stdout, c.stderr
	if node != labs.UnderlayNode {
		if o, ok := attachOVS(f, node); ok {
			// ovs-vsctl, ovs-ofctl and ovs-appctl find this hypervisor's OVS.
			cmd.Env = append(os.Environ(), "OVS_RUNDIR="+o.Dir, "OVS_DBDIR="+o.Dir, "OVS_LOGDIR="+o.Dir)
		}
	}
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if code := ee.ExitCode(); code >= 0 {
			return &errExit{code: code}
		}
		return &errExit{code: 128 + 9}
	}
	if err != nil {
		return fmt.Errorf("node %s: %w", node, err)
	}
	return nil
}

// labNodes returns every node of a lab file by name, with its kind.
func labNodes(f *labs.File) map[string]string {
	nodes := map[string]string{labs.UnderlayNode: "underlay switch"}
	for _, h := range f.Hypervisors {
		nodes[h.Name] = "hypervisor"
	}
	for _, v := range f.VMs {
		nodes[v.Name] = "vm"
	}
	for _, p := range f.PhysicalVTEPs {
		nodes[p.Name] = "physical vtep"
	}
	return nodes
}

// attachOVS returns a hypervisor's OVS instance.
func attachOVS(f *labs.File, hv string) (*labs.OVS, bool) {
	for _, h := range f.Hypervisors {
		if h.Name == hv {
			ns := f.Topology().Netns(hv)
			return &labs.OVS{Name: ns, Netns: ns, Dir: filepath.Join(labs.RunDir(f.Prefix), hv)}, true
		}
	}
	return nil, false
}
