package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/config"
)

// The commands that read vtepd's state (status, macs, dump-flows, trace)
// share how they reach vtepd and how they print.

// apiTimeout bounds one command's requests to vtepd.
const apiTimeout = 30 * time.Second

// vtepdOptions are the options every command that asks vtepd has: --api,
// --config and -o.
type vtepdOptions struct {
	api, config, output string
}

// bind adds the options to a command.
func (o *vtepdOptions) bind(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&o.api, "api", "", "vtepd's API address, unix:PATH or tcp:HOST:PORT (default: api.listen of --config, else "+config.DefaultAPIListen+")")
	fs.StringVar(&o.config, "config", "", "read the API address (api.listen) from this vtepd configuration file")
	fs.StringVarP(&o.output, "output", "o", "table", "output format: table or json")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json"}, cobra.ShellCompDirectiveNoFileComp))
}

// check refuses contradictory or malformed options.
func (o *vtepdOptions) check() error {
	if o.output != "table" && o.output != "json" {
		return usageErr("-o %q: want table or json", o.output)
	}
	if o.api != "" && o.config != "" {
		return usageErr("--api and --config both given: use one")
	}
	return nil
}

// json reports whether the output is JSON.
func (o *vtepdOptions) json() bool { return o.output == "json" }

// target returns the API address to use.
func (o *vtepdOptions) target() (string, error) {
	if o.api != "" {
		if !strings.HasPrefix(o.api, "unix:") && !strings.HasPrefix(o.api, "tcp:") {
			return "", usageErr("--api %q: want unix:PATH or tcp:HOST:PORT", o.api)
		}
		return o.api, nil
	}
	if o.config != "" {
		cfg, err := config.Load(o.config)
		if err != nil {
			return "", usageErr("--config %s: %v", o.config, err)
		}
		if cfg.API.Listen == "" {
			return "", usageErr("--config %s: api.listen is empty, so that vtepd serves no API", o.config)
		}
		return cfg.API.Listen, nil
	}
	return config.DefaultAPIListen, nil
}

// do checks the options and calls body with a client of the vtepd they
// name and a bounded context.
func (o *vtepdOptions) do(ctx context.Context, body func(context.Context, *api.Client) error) error {
	if err := o.check(); err != nil {
		return err
	}
	t, err := o.target()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	return body(ctx, api.NewClient(t))
}

// writeJSONTo prints v as indented JSON.
func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// formatAge prints seconds as a short duration: 0s, 42s, 3m05s, 2h07m, 3d04h.
func formatAge(sec float64) string {
	return string(appendAge(nil, sec))
}

// appendAge appends formatAge(sec) to b.
func appendAge(b []byte, sec float64) []byte {
	s := int64(math.Floor(sec))
	two := func(b []byte, v int64) []byte {
		return append(b, byte('0'+v/10), byte('0'+v%10))
	}
	switch {
	case s < 0:
		return append(b, '-')
	case s < 60:
		return append(strconv.AppendInt(b, s, 10), 's')
	case s < 3600:
		return append(two(append(strconv.AppendInt(b, s/60, 10), 'm'), s%60), 's')
	case s < 86400:
		return append(two(append(strconv.AppendInt(b, s/3600, 10), 'h'), s%3600/60), 'm')
	}
	return append(two(append(strconv.AppendInt(b, s/86400, 10), 'd'), s%86400/3600), 'h')
}

// vniFlag is a --vni option: 0 (unset) or 1..16777215.
type vniFlag uint32

func (v *vniFlag) String() string { return fmt.Sprint(uint32(*v)) }

// Type names the value in the option list.
func (v *vniFlag) Type() string { return "N" }

// Set parses a VNI.
func (v *vniFlag) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n < 1 || n > 0xffffff || strconv.FormatUint(n, 10) != s {
		return fmt.Errorf("want a VNI 1..16777215")
	}
	*v = vniFlag(n)
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
