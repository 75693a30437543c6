package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/config"
)

// The commands that read vtepd's state (status, macs, dump-flows, trace)
// share how they reach vtepd and how they print.

// apiTimeout bounds one command's requests to vtepd.
const apiTimeout = 30 * time.Second

// vtepdCommand is the common part of the commands that ask vtepd: the flag
// set with --api, --config and -o.
type vtepdCommand struct {
	name     string
	synopsis string
	fs       *flag.FlagSet
	api      string
	config   string
	output   string
}

// newVtepdCommand returns a command's flag set with the shared options.
func newVtepdCommand(name, synopsis string, stderr io.Writer) *vtepdCommand {
	c := &vtepdCommand{name: name, synopsis: synopsis, fs: flag.NewFlagSet("vtepctl "+name, flag.ContinueOnError)}
	c.fs.SetOutput(stderr)
	c.fs.StringVar(&c.api, "api", "", "vtepd's API address, unix:PATH or tcp:HOST:PORT (default: api.listen of --config, else "+config.DefaultAPIListen+")")
	c.fs.StringVar(&c.config, "config", "", "read the API address (api.listen) from this vtepd configuration file")
	c.fs.StringVar(&c.output, "o", "table", "output format: table or json")
	c.fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: vtepctl %s %s\n\noptions:\n", name, synopsis)
		c.fs.PrintDefaults()
	}
	return c
}

// parse parses the arguments; it returns an exit code (2 for bad usage, 0
// for -h) and false when the command should stop.
func (c *vtepdCommand) parse(args []string, stderr io.Writer) (int, bool) {
	if err := c.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if c.fs.NArg() > 0 {
		return c.usageError(stderr, "unexpected argument %q", c.fs.Arg(0)), false
	}
	if c.output != "table" && c.output != "json" {
		return c.usageError(stderr, "-o %q: want table or json", c.output), false
	}
	if c.api != "" && c.config != "" {
		return c.usageError(stderr, "--api and --config both given: use one"), false
	}
	return 0, true
}

// usageError prints an argument error with the usage and returns 2.
func (c *vtepdCommand) usageError(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "vtepctl %s: %s\n", c.name, fmt.Sprintf(format, a...))
	c.fs.Usage()
	return 2
}

// target returns the API address to use.
func (c *vtepdCommand) target() (string, error) {
	if c.api != "" {
		if !strings.HasPrefix(c.api, "unix:") && !strings.HasPrefix(c.api, "tcp:") {
			return "", fmt.Errorf("--api %q: want unix:PATH or tcp:HOST:PORT", c.api)
		}
		return c.api, nil
	}
	if c.config != "" {
		cfg, err := config.Load(c.config)
		if err != nil {
			return "", fmt.Errorf("--config %s: %w", c.config, err)
		}
		if cfg.API.Listen == "" {
			return "", fmt.Errorf("--config %s: api.listen is empty, so that vtepd serves no API", c.config)
		}
		return cfg.API.Listen, nil
	}
	return config.DefaultAPIListen, nil
}

// client returns a client for the vtepd the options name.
func (c *vtepdCommand) client() (*api.Client, error) {
	t, err := c.target()
	if err != nil {
		return nil, err
	}
	return api.NewClient(t), nil
}

// run parses args and calls body with a client and a bounded context,
// turning its error into exit code 1.
func (c *vtepdCommand) run(ctx context.Context, args []string, stderr io.Writer, body func(context.Context, *api.Client) error) int {
	if code, ok := c.parse(args, stderr); !ok {
		return code
	}
	return c.exec(ctx, stderr, body)
}

// exec is run after parse: for commands that check more options first.
func (c *vtepdCommand) exec(ctx context.Context, stderr io.Writer, body func(context.Context, *api.Client) error) int {
	cl, err := c.client()
	if err != nil {
		return c.usageError(stderr, "%v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	if err := body(ctx, cl); err != nil {
		fmt.Fprintf(stderr, "vtepctl %s: %v\n", c.name, err)
		return 1
	}
	return 0
}

// writeJSONTo prints v as indented JSON.
func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// formatAge prints seconds as a short duration: 0s, 42s, 3m05s, 2h07m, 3d04h.
func formatAge(sec float64) string {
	s := int64(math.Floor(sec))
	switch {
	case s < 0:
		return "-"
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}

// vniFlag is a --vni option: 0 (unset) or 1..16777215.
type vniFlag uint32

func (v *vniFlag) String() string { return fmt.Sprint(uint32(*v)) }

func (v *vniFlag) Set(s string) error {
	var n uint64
	if _, err := fmt.Sscan(s, &n); err != nil || n < 1 || n > 0xffffff || fmt.Sprint(n) != s {
		return fmt.Errorf("want a VNI 1..16777215")
	}
	*v = vniFlag(n)
	return nil
}
