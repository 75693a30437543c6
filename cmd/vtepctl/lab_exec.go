package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/labs"
)

func newLabExecCmd() *cobra.Command {
	cmd := labCommand("exec [--prefix P] NODE -- CMD [ARGS...]",
		"run a command in a node's namespace (hypervisor, VM, physical VTEP, host, router or ul, the underlay switch); exits with its status; vtysh on an FRR node reaches its FRR",
		labParse{flags: []string{"prefix"}, stopAfter: 1}, runLabExec)
	cmd.ValidArgsFunction = completeLabNodes
	return cmd
}

func runLabExec(c labCtx, a *labArgs) error {
	if len(a.pos) != 1 || len(a.rest) == 0 {
		return usageErr("want a node and a command")
	}
	f, err := labs.FindLabFile(a.prefix)
	if err != nil {
		return err
	}
	node := a.pos[0]
	nodes := f.Nodes()
	if _, ok := nodes[node]; !ok {
		names := make([]string, 0, len(nodes))
		for n := range nodes {
			names = append(names, n)
		}
		slices.Sort(names)
		return usageErr("lab %s has no node %q; its nodes: %s", f.Prefix, node, strings.Join(names, ", "))
	}
	ns := f.Topology().Netns(node)
	args := a.rest[1:]
	if a.rest[0] == "vtysh" && f.Topology().IsFRR(node) && !slices.Contains(args, "-N") {
		// vtysh reaches this node's FRR (its pathspace is the namespace).
		args = append([]string{"-N", ns}, args...)
	}
	cmd := labs.Command(c.ctx, ns, a.rest[0], args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, c.stdout, c.stderr
	if o, ok := f.HypervisorOVS(node); ok {
		// ovs-vsctl, ovs-ofctl and ovs-appctl find this hypervisor's OVS.
		cmd.Env = append(os.Environ(), "OVS_RUNDIR="+o.Dir, "OVS_DBDIR="+o.Dir, "OVS_LOGDIR="+o.Dir)
	}
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if code := ee.ExitCode(); code >= 0 {
			return &exitError{code: code}
		}
		return &exitError{code: 128 + 9}
	}
	if err != nil {
		return fmt.Errorf("node %s: %w", node, err)
	}
	return nil
}
