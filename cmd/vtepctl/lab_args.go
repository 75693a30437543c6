package main

import (
	"context"
	"fmt"
	"io"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// labArgs are a lab subcommand's parsed arguments. Flags may come before,
// between or after the positional arguments.
type labArgs struct {
	prefix string // --prefix P: the lab to act on, or to bring up under
	vtepd  string // --vtepd PATH
	keep   bool   // --keep (demo)
	pos    []string
	// rest is what follows "--", or, for commands that run another
	// command, everything after the first positional argument.
	rest []string
}

// labParse says how a subcommand's arguments are parsed.
type labParse struct {
	flags []string // allowed flags: "prefix", "vtepd", "keep"
	// stopAfter: after this many positional arguments, everything else goes
	// to rest untouched (0: never stop).
	stopAfter int
}

// bind adds the allowed flags to a flag set, storing into a.
func (p labParse) bind(fs *pflag.FlagSet, a *labArgs) {
	for _, f := range p.flags {
		switch f {
		case "prefix":
			fs.Var((*nonEmpty)(&a.prefix), "prefix", "the lab's prefix: the lab to act on (lab up, demo: to bring it up under)")
		case "vtepd":
			fs.Var((*nonEmpty)(&a.vtepd), "vtepd", "the vtepd binary (default: the vtepd next to vtepctl, else on PATH)")
		case "keep":
			addSwitch(fs, &a.keep, "keep", "leave the lab up afterwards")
		}
	}
	fs.SetInterspersed(p.stopAfter == 0)
}

// collect fills in the positional arguments and the rest once the flags
// are parsed: args are the arguments left, dash the index of "--" in them
// (-1: none).
func (p labParse) collect(a *labArgs, args []string, dash int) {
	switch {
	case p.stopAfter > 0:
		n := min(p.stopAfter, len(args))
		a.pos = append(a.pos, args[:n]...)
		rest := args[n:]
		if len(rest) > 0 && rest[0] == "--" {
			rest = rest[1:]
		}
		a.rest = append(a.rest, rest...)
	case dash >= 0:
		a.pos = append(a.pos, args[:dash]...)
		a.rest = append(a.rest, args[dash:]...)
	default:
		a.pos = append(a.pos, args...)
	}
}

// parse parses a subcommand's arguments the way the command line does.
func (p labParse) parse(args []string) (*labArgs, error) {
	a := &labArgs{}
	fs := pflag.NewFlagSet("lab", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	p.bind(fs, a)
	if err := fs.Parse(normalizeFlags(fs, args, 0, p.stopAfter > 0)); err != nil {
		return nil, flagError(nil, err)
	}
	p.collect(a, fs.Args(), fs.ArgsLenAtDash())
	return a, nil
}

// labCtx is what a lab subcommand's body works with.
type labCtx struct {
	ctx            context.Context
	stdout, stderr io.Writer
}

func (c labCtx) printf(format string, a ...any) { fmt.Fprintf(c.stdout, format, a...) }

// labCommand builds a lab subcommand from its synopsis, summary, parse
// rules and body.
func labCommand(use, summary string, p labParse, body func(c labCtx, a *labArgs) error) *cobra.Command {
	a := &labArgs{}
	cmd := &cobra.Command{
		Use:   use,
		Short: summary,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if logrus.GetLevel() == logrus.InfoLevel {
				// The lab prints its own progress; the labs package's step
				// logs would only repeat it.
				logrus.SetLevel(logrus.WarnLevel)
			}
			p.collect(a, args, cmd.ArgsLenAtDash())
			return body(labCtx{ctx: cmd.Context(), stdout: cmd.OutOrStdout(), stderr: cmd.ErrOrStderr()}, a)
		},
	}
	p.bind(cmd.Flags(), a)
	if p.stopAfter > 0 {
		cmd.Annotations = map[string]string{annotationPassesRest: "true"}
	}
	return cmd
}
