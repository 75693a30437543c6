package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestNormalizeFlags(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.String("prefix", "", "")
	fs.String("vni", "", "")
	fs.StringP("output", "o", "", "")
	fs.BoolP("verbose", "v", false, "")
	tests := []struct {
		args      []string
		skip      int
		stopAtArg bool
		want      []string
	}{
		{[]string{"macs", "-vni", "10", "-o", "json", "-v"}, 1, false, []string{"macs", "--vni", "10", "-o", "json", "-v"}},
		{[]string{"macs", "-vni=10", "--prefix", "-vni"}, 1, false, []string{"macs", "--vni=10", "--prefix", "-vni"}},
		{[]string{"lab", "exec", "-prefix", "p", "a", "ping", "-prefix"}, 2, true, []string{"lab", "exec", "--prefix", "p", "a", "ping", "-prefix"}},
		{[]string{"x", "--", "-vni"}, 1, false, []string{"x", "--", "-vni"}},
		{[]string{"x", "-unknown", "-"}, 1, false, []string{"x", "-unknown", "-"}},
	}
	for _, tt := range tests {
		if got := normalizeFlags(fs, tt.args, tt.skip, tt.stopAtArg); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("normalizeFlags(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}

// TestCommandLine checks the parts of the command line that every command
// shares: help, completion, unknown commands and single-dash options.
func TestCommandLine(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()) // no lab is up here
	tests := []struct {
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{[]string{"-h"}, 0, "usage: vtepctl COMMAND", ""},
		{[]string{"macs", "-h"}, 0, "--vni N", ""},
		{[]string{"lab", "exec", "--help"}, 0, "usage: vtepctl lab exec [--prefix P] NODE -- CMD", ""},
		{[]string{"completion", "bash"}, 0, "bash completion", ""},
		{[]string{}, 2, "", "usage: vtepctl COMMAND"},
		{[]string{"frob"}, 2, "", `vtepctl: unknown command "frob"`},
		{[]string{"version", "x"}, 2, "", `unexpected argument "x"`},
		{[]string{"macs", "-vni", "0"}, 2, "", `invalid value "0" for flag --vni`},
		{[]string{"macs", "--vni", "010"}, 2, "", `invalid value "010" for flag --vni`},
		{[]string{"dump-flows", "-o"}, 2, "", "flag -o needs a value"},
		{[]string{"macs", "-x"}, 2, "", "unknown flag -x"},
		{[]string{"lab", "demo", "f.yaml", "--keep=1"}, 2, "", "--keep takes no value"},
		{[]string{"lab", "sweep", "a", "b"}, 2, "", "usage: vtepctl lab sweep PREFIX"},
		{[]string{"lab", "macs", "hv1", "--vni", "10"}, 1, "", "no lab is up"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var o, e bytes.Buffer
			code := run(t.Context(), tt.args, &o, &e)
			if code != tt.wantCode || !strings.Contains(o.String(), tt.wantStdout) || !strings.Contains(e.String(), tt.wantStderr) {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit %d, stdout with %q, stderr with %q", code, o.String(), e.String(), tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}
