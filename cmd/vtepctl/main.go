package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/vtep/vtep/internal/version"
)

// command is one vtepctl command.
type command struct {
	// usage is the synopsis after "vtepctl NAME", e.g. "[--vni N] [-o json]".
	usage string
	// summary is one line for the command list.
	summary string
	// run executes the command; it returns the exit code.
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands holds every command by name; files add theirs in init.
var commands = map[string]command{}

func register(name string, c command) { commands[name] = c }

func init() {
	register("version", command{summary: "print the version", run: func(_ context.Context, _ []string, stdout, _ io.Writer) int {
		fmt.Fprintln(stdout, "vtepctl", version.Version)
		return 0
	}})
}

func usage() string {
	var b strings.Builder
	b.WriteString("usage: vtepctl COMMAND [ARGS]\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := commands[n]
		syn := strings.TrimSpace(n + " " + c.usage)
		fmt.Fprintf(&b, "  %-34s %s\n", syn, c.summary)
	}
	b.WriteString("\nRun 'vtepctl COMMAND -h' for a command's options.\n")
	return b.String()
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage())
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "vtepctl: unknown command %q\n\n%s", args[0], usage())
		return 2
	}
	return c.run(ctx, args[1:], stdout, stderr)
}
