// Command vtepctl is vtep's operator tool: state, learned MAC tables, named
// flow dumps, packet traces and labs.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/vtep/vtep/internal/version"
	"github.com/vtep/vtep/labs"
)

const usage = `usage: vtepctl COMMAND [ARGS]

commands:
  version              print the version
  lab sweep PREFIX     remove what a lab with this prefix left behind
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "version":
		fmt.Fprintln(stdout, "vtepctl", version.Version)
		return 0
	case "lab":
		if len(args) == 3 && args[1] == "sweep" {
			swept, err := labs.Sweep(context.Background(), args[2])
			for _, ns := range swept {
				fmt.Fprintln(stdout, "removed namespace", ns)
			}
			if err != nil {
				fmt.Fprintln(stderr, "vtepctl:", err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "vtepctl: unknown command %q\n%s", args[0], usage)
	return 2
}
