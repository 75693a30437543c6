package main

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestLabParse(t *testing.T) {
	tests := []struct {
		name    string
		p       labParse
		args    []string
		want    labArgs
		wantErr string
	}{
		{"flags after file", labParse{flags: []string{"prefix", "vtepd"}}, []string{"f.yaml", "--prefix", "p1", "--vtepd=/x/vtepd"},
			labArgs{prefix: "p1", vtepd: "/x/vtepd", pos: []string{"f.yaml"}}, ""},
		{"keep", labParse{flags: []string{"keep"}}, []string{"--keep", "f.yaml"}, labArgs{keep: true, pos: []string{"f.yaml"}}, ""},
		{"exec stops after node", labParse{flags: []string{"prefix"}, stopAfter: 1}, []string{"-prefix", "p", "a", "--", "ping", "-c1", "x"},
			labArgs{prefix: "p", pos: []string{"a"}, rest: []string{"ping", "-c1", "x"}}, ""},
		{"exec without --", labParse{flags: []string{"prefix"}, stopAfter: 1}, []string{"a", "ping", "--prefix", "x"},
			labArgs{pos: []string{"a"}, rest: []string{"ping", "--prefix", "x"}}, ""},
		{"macs passes the options after the VTEP on, in order", labParse{flags: []string{"prefix"}, stopAfter: 1}, []string{"--prefix", "p", "hv1", "--vni", "10", "-o", "json"},
			labArgs{prefix: "p", pos: []string{"hv1"}, rest: []string{"--vni", "10", "-o", "json"}}, ""},
		{"unknown flag", labParse{flags: []string{"prefix"}}, []string{"--bogus"}, labArgs{}, "unknown flag --bogus"},
		{"missing value", labParse{flags: []string{"prefix"}}, []string{"f", "--prefix"}, labArgs{}, "flag --prefix needs a value"},
		{"empty value", labParse{flags: []string{"vtepd"}}, []string{"--vtepd="}, labArgs{}, "flag --vtepd needs a value"},
		{"keep with value", labParse{flags: []string{"keep"}}, []string{"--keep=1"}, labArgs{}, "--keep takes no value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.parse(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parse(%q) error = %v, want %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("parse(%q) = %+v, want %+v", tt.args, *got, tt.want)
			}
		})
	}
}

// TestLabUsageErrors checks that lab subcommands with bad arguments explain
// their usage and exit 2, before touching anything.
func TestLabUsageErrors(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()) // no lab is up here
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"lab"}, "usage: vtepctl lab SUBCOMMAND"},
		{[]string{"lab", "frob"}, `unknown subcommand "frob"`},
		{[]string{"lab", "up"}, "usage: vtepctl lab up FILE"},
		{[]string{"lab", "up", "a.yaml", "b.yaml"}, "want exactly one lab file"},
		{[]string{"lab", "up", "a.yaml", "--bogus"}, "unknown flag --bogus"},
		{[]string{"lab", "demo"}, "usage: vtepctl lab demo FILE"},
		{[]string{"lab", "exec"}, "want a node and a command"},
		{[]string{"lab", "exec", "a"}, "usage: vtepctl lab exec [--prefix P] NODE -- CMD"},
		{[]string{"lab", "macs"}, "want a VTEP"},
		{[]string{"lab", "flows"}, "want a VTEP"},
		{[]string{"lab", "down", "x.yaml", "y.yaml"}, "want at most one lab file"},
		{[]string{"lab", "down", "--prefix", "../etc"}, "--prefix"},
		{[]string{"lab", "status", "--keep"}, "unknown flag --keep"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit code %d, want 2; stderr:\n%s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tt.want)
			}
		})
	}
}

func TestLabNoLabUp(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	for _, sub := range [][]string{{"status"}, {"down"}, {"exec", "a", "--", "true"}, {"macs", "hv1"}} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"lab"}, sub...), &stdout, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), "no lab is up") {
			t.Errorf("lab %v: exit %d, stderr %q; want 1 and \"no lab is up\"", sub, code, stderr.String())
		}
	}
}
