package main

import (
	"context"
	"fmt"
	"io"

	"github.com/vtep/vtep/labs"
)

// labCommands holds the "vtepctl lab" subcommands by name.
var labCommands = map[string]command{}

func registerLab(name string, c command) { labCommands[name] = c }

func init() {
	register("lab", command{usage: "SUBCOMMAND ...", summary: "mininet-style labs: up, demo, exec, status, macs, flows, down, sweep (docs/labs.md)", run: runLab})
	registerLab("sweep", command{usage: "PREFIX", summary: "remove what a lab with this prefix left behind",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
			if len(args) != 1 {
				fmt.Fprintln(stderr, "usage: vtepctl lab sweep PREFIX")
				return 2
			}
			swept, err := labs.Sweep(ctx, args[0])
			for _, ns := range swept {
				fmt.Fprintln(stdout, "removed namespace", ns)
			}
			if err != nil {
				fmt.Fprintln(stderr, "vtepctl:", err)
				return 1
			}
			return 0
		}})
}

func runLab(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, labUsage())
		return 2
	}
	c, ok := labCommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "vtepctl lab: unknown subcommand %q\n\n%s", args[0], labUsage())
		return 2
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func labUsage() string {
	s := "usage: vtepctl lab SUBCOMMAND [ARGS]\n\nsubcommands:\n"
	for _, n := range sortedKeys(labCommands) {
		c := labCommands[n]
		s += fmt.Sprintf("  %-34s %s\n", n+" "+c.usage, c.summary)
	}
	return s
}
