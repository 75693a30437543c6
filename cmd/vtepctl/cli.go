package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// How every command parses its arguments: cobra and pflag, with the
// messages and exit codes vtepctl documents (docs/vtepctl.md).

// usageError is a bad argument: run prints it with the command's usage
// line and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErr(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// exitError ends vtepctl with an exit code, the command having said what
// it had to.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// noArgs refuses positional arguments.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErr("unexpected argument %q", args[0])
	}
	return nil
}

// flagError turns pflag's errors into usage errors worded like the rest:
// "unknown flag --x", "flag --x needs a value", "invalid value V for --x: why".
func flagError(_ *cobra.Command, err error) error {
	var (
		notExist *pflag.NotExistError
		required *pflag.ValueRequiredError
		invalid  *pflag.InvalidValueError
	)
	switch {
	case errors.As(err, &notExist):
		if s := notExist.GetSpecifiedShortnames(); s != "" {
			return usageErr("unknown flag -%s", s)
		}
		return usageErr("unknown flag --%s", notExist.GetSpecifiedName())
	case errors.As(err, &required):
		if f := required.GetFlag(); f != nil && required.GetSpecifiedShortnames() != "" {
			return usageErr("flag -%s needs a value", f.Shorthand)
		}
		return usageErr("flag %s needs a value", flagName(required.GetFlag()))
	case errors.As(err, &invalid):
		if errors.Is(err, errNeedsValue) {
			return usageErr("flag %s needs a value", flagName(invalid.GetFlag()))
		}
		return usageErr("invalid value %q for flag %s: %v", invalid.GetValue(), flagName(invalid.GetFlag()), errors.Unwrap(err))
	}
	return usageErr("%v", err)
}

func flagName(f *pflag.Flag) string {
	if f == nil {
		return "?"
	}
	return "--" + f.Name
}

// errNeedsValue is what string options that must not be empty say to "".
var errNeedsValue = errors.New("needs a value")

// nonEmpty is a string option that refuses "".
type nonEmpty string

func (v *nonEmpty) String() string { return string(*v) }
func (v *nonEmpty) Type() string   { return "string" }
func (v *nonEmpty) Set(s string) error {
	if s == "" {
		return errNeedsValue
	}
	*v = nonEmpty(s)
	return nil
}

// switchFlag is a boolean option given without a value (--keep).
type switchFlag struct {
	name string
	v    *bool
}

func (s switchFlag) String() string { return fmt.Sprint(s.v != nil && *s.v) }
func (s switchFlag) Type() string   { return "" }
func (s switchFlag) Set(v string) error {
	if v != "true" {
		return fmt.Errorf("--%s takes no value", s.name)
	}
	*s.v = true
	return nil
}

// addSwitch adds a switchFlag to a flag set.
func addSwitch(fs *pflag.FlagSet, v *bool, name, usage string) {
	fs.Var(switchFlag{name: name, v: v}, name, usage)
	fs.Lookup(name).NoOptDefVal = "true"
}

// normalizeArgs lets options be written with one dash as well as two
// (-vni 10, -prefix P), as the flag package vtepctl used before accepted:
// a single-dash word that names a long option of the command gets its
// second dash. Nothing after "--", or after the positional arguments of a
// command that passes the rest on (lab exec, macs, flows), is touched.
func normalizeArgs(root *cobra.Command, args []string) []string {
	cmd, _, err := root.Find(args)
	if err != nil {
		return args
	}
	fs := pflag.NewFlagSet("", pflag.ContinueOnError)
	fs.AddFlagSet(cmd.Flags())
	fs.AddFlagSet(cmd.InheritedFlags())
	depth := strings.Count(cmd.CommandPath(), " ")
	return normalizeFlags(fs, args, depth, cmd.Annotations[annotationPassesRest] != "")
}

// annotationPassesRest marks a command that stops parsing options at its
// first positional argument and passes the rest on.
const annotationPassesRest = "vtepctl/passes-rest"

// normalizeFlags adds the second dash to the long options of fs written
// with one. The first skip positional arguments are command names; with
// stopAtArg, the first positional argument after them ends the options.
func normalizeFlags(fs *pflag.FlagSet, args []string, skip int, stopAtArg bool) []string {
	out := make([]string, 0, len(args))
	positional := 0
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(out, args[i:]...)
		case !strings.HasPrefix(a, "-") || a == "-":
			positional++
			if stopAtArg && positional > skip {
				return append(out, args[i:]...)
			}
			out = append(out, a)
			continue
		}
		name, _, inline := strings.Cut(strings.TrimLeft(a, "-"), "=")
		var f *pflag.Flag
		switch {
		case strings.HasPrefix(a, "--"):
			f = fs.Lookup(name)
		case len(name) > 1 && fs.Lookup(name) != nil:
			f = fs.Lookup(name)
			a = "-" + a
		case len(name) == 1:
			f = fs.ShorthandLookup(name)
		}
		out = append(out, a)
		if f != nil && f.NoOptDefVal == "" && !inline && i+1 < len(args) {
			i++
			out = append(out, args[i])
		}
	}
	return out
}

// useLine is a command's usage line: its path and synopsis.
func useLine(cmd *cobra.Command) string {
	if cmd.HasParent() {
		return cmd.Parent().CommandPath() + " " + cmd.Use
	}
	return cmd.Use
}

func init() { cobra.AddTemplateFunc("useLine", useLine) }

// usageTemplate is every command's usage (and, after its description, help).
const usageTemplate = `usage: {{useLine .}}{{if .HasAvailableSubCommands}}

commands:{{range .Commands}}{{if .IsAvailableCommand}}
  {{rpad .Name .NamePadding}} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

options:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}

Run '{{.CommandPath}} COMMAND -h' for a command's options.{{end}}
`
