package main

import (
	"os"
	"strings"
	"testing"

	"github.com/vtep/vtep/labs"
)

func TestLabStateFindsLabs(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	if _, err := findLab("", ""); err == nil || !strings.Contains(err.Error(), "no lab is up") {
		t.Fatalf("findLab with no lab = %v, want \"no lab is up\"", err)
	}
	up := func(prefix string) *labs.File {
		f, err := labs.LoadFile("../../labs/figure4.yaml")
		if err != nil {
			t.Fatal(err)
		}
		f.Prefix = prefix
		if err := os.MkdirAll(labs.RunDir(prefix), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := saveLabState(f, "../../labs/figure4.yaml", "/usr/bin/vtepd"); err != nil {
			t.Fatal(err)
		}
		return f
	}
	want := up("one")
	st, err := findLab("", "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.labFile()
	if err != nil {
		t.Fatal(err)
	}
	if got.Prefix != "one" || len(got.VMs) != len(want.VMs) || got.VMs[1] != want.VMs[1] || got.Underlay != want.Underlay {
		t.Errorf("recorded lab file = %+v, want %+v", got, want)
	}
	if !strings.HasSuffix(st.Source, "labs/figure4.yaml") || st.Vtepd != "/usr/bin/vtepd" {
		t.Errorf("state source %q vtepd %q", st.Source, st.Vtepd)
	}

	up("two")
	if _, err := findLab("", ""); err == nil || !strings.Contains(err.Error(), "2 labs are up (one, two): choose one with --prefix") {
		t.Errorf("findLab with two labs = %v", err)
	}
	if st, err := findLab("two", ""); err != nil || st.Prefix != "two" {
		t.Errorf("findLab(two) = %+v, %v", st, err)
	}
	if _, err := findLab("three", ""); err == nil || !strings.Contains(err.Error(), `no lab with prefix "three" is up`) {
		t.Errorf("findLab(three) = %v", err)
	}
	// The lab file chooses by its prefix (fig4, not up here).
	if _, err := findLab("", "../../labs/figure4.yaml"); err == nil || !strings.Contains(err.Error(), `"fig4"`) {
		t.Errorf("findLab(figure4.yaml) = %v", err)
	}
}
