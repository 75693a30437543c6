package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/labs"
)

// newLabCmd returns "vtepctl lab" and its subcommands (docs/labs.md).
func newLabCmd() *cobra.Command {
	lab := &cobra.Command{
		Use:   "lab SUBCOMMAND [ARGS]",
		Short: "mininet-style labs: up, demo, exec, status, macs, flows, down, sweep (docs/labs.md)",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				fmt.Fprint(cmd.ErrOrStderr(), cmd.UsageString())
				return &exitError{code: 2}
			}
			return usageErr("unknown subcommand %q (vtepctl lab -h lists them)", args[0])
		},
	}
	lab.AddCommand(newLabUpCmd(), newLabDemoCmd(), newLabExecCmd(), newLabStatusCmd(),
		newLabVTEPCmd("macs", "macs"), newLabVTEPCmd("flows", "dump-flows"), newLabDownCmd(),
		labCommand("sweep PREFIX", "remove what any lab whose prefix starts with PREFIX left behind",
			labParse{}, runLabSweep))
	return lab
}

func runLabSweep(c labCtx, a *labArgs) error {
	if len(a.pos) != 1 || len(a.rest) > 0 {
		return usageErr("want one prefix")
	}
	swept, err := labs.Sweep(c.ctx, a.pos[0])
	for _, ns := range swept {
		c.printf("removed namespace %s\n", ns)
	}
	return err
}

// completeLabNodes completes the nodes of the lab that is up.
func completeLabNodes(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveDefault
	}
	prefix, _ := cmd.Flags().GetString("prefix")
	f, err := labs.FindLabFile(prefix)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for n := range f.Nodes() {
		out = append(out, n)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
