package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/sirupsen/logrus"
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

// errUsage is a usage error; the subcommand prints its usage and exits 2.
type errUsage struct{ msg string }

func (e *errUsage) Error() string { return e.msg }

func usageErr(format string, a ...any) error { return &errUsage{msg: fmt.Sprintf(format, a...)} }

func (p labParse) allows(name string) bool {
	for _, f := range p.flags {
		if f == name {
			return true
		}
	}
	return false
}

func (p labParse) parse(args []string) (*labArgs, error) {
	a := &labArgs{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if p.stopAfter > 0 && len(a.pos) == p.stopAfter {
			rest := args[i:]
			if len(rest) > 0 && rest[0] == "--" {
				rest = rest[1:]
			}
			a.rest = append(a.rest, rest...)
			return a, nil
		}
		if arg == "--" {
			a.rest = append(a.rest, args[i+1:]...)
			return a, nil
		}
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			a.pos = append(a.pos, arg)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !p.allows(name) {
			return nil, usageErr("unknown flag %s", arg)
		}
		if name == "keep" {
			if hasValue {
				return nil, usageErr("--keep takes no value")
			}
			a.keep = true
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, usageErr("flag --%s needs a value", name)
			}
			i++
			value = args[i]
		}
		if value == "" {
			return nil, usageErr("flag --%s needs a value", name)
		}
		switch name {
		case "prefix":
			a.prefix = value
		case "vtepd":
			a.vtepd = value
		}
	}
	return a, nil
}

// labCommand builds a lab subcommand from its parse rules and body; usage
// errors print the subcommand's usage and exit 2, other errors exit 1.
func labCommand(name, usage, summary string, p labParse, body func(ctx labCtx, a *labArgs) error) command {
	return command{usage: usage, summary: summary, run: func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		for _, x := range args {
			if x == "-h" || x == "--help" || x == "-help" {
				if p.stopAfter > 0 {
					break
				}
				fmt.Fprintf(stdout, "usage: vtepctl lab %s %s\n\n%s\n", name, usage, summary)
				return 0
			}
		}
		if logrus.GetLevel() == logrus.InfoLevel {
			// The lab prints its own progress; the labs package's step logs
			// would only repeat it.
			logrus.SetLevel(logrus.WarnLevel)
		}
		a, err := p.parse(args)
		if err == nil {
			err = body(labCtx{ctx: ctx, stdout: stdout, stderr: stderr}, a)
		}
		if err == nil {
			return 0
		}
		if ue, ok := err.(*errUsage); ok {
			fmt.Fprintf(stderr, "vtepctl lab %s: %s\nusage: vtepctl lab %s %s\n", name, ue.msg, name, usage)
			return 2
		}
		if ee, ok := err.(*errExit); ok {
			return ee.code
		}
		fmt.Fprintf(stderr, "vtepctl lab %s: %v\n", name, err)
		return 1
	}}
}

// errExit ends a subcommand with an exit code, having said what it had to.
type errExit struct{ code int }

func (e *errExit) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// labCtx is what a lab subcommand's body works with.
type labCtx struct {
	ctx            context.Context
	stdout, stderr io.Writer
}

func (c labCtx) printf(format string, a ...any) { fmt.Fprintf(c.stdout, format, a...) }
