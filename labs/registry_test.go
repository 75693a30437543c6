package labs_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vtep/vtep/labs"
)

func TestRegistryFindsLabs(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	if _, err := labs.FindLab("", ""); err == nil || !strings.Contains(err.Error(), "no lab is up") {
		t.Fatalf("findLab with no lab = %v, want \"no lab is up\"", err)
	}
	up := func(prefix string) *labs.File {
		f, err := labs.LoadFile("figure4.yaml")
		if err != nil {
			t.Fatal(err)
		}
		f.Prefix = prefix
		if err := os.MkdirAll(labs.RunDir(prefix), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := labs.SaveState(f, "figure4.yaml", "/usr/bin/vtepd"); err != nil {
			t.Fatal(err)
		}
		return f
	}
	want := up("one")
	st, err := labs.FindLab("", "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.LabFile()
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
	if _, err := labs.FindLab("", ""); err == nil || !strings.Contains(err.Error(), "2 labs are up (one, two): choose one with --prefix") {
		t.Errorf("findLab with two labs = %v", err)
	}
	if st, err := labs.FindLab("two", ""); err != nil || st.Prefix != "two" {
		t.Errorf("labs.FindLab(two) = %+v, %v", st, err)
	}
	if _, err := labs.FindLab("three", ""); err == nil || !strings.Contains(err.Error(), `no lab with prefix "three" is up`) {
		t.Errorf("labs.FindLab(three) = %v", err)
	}
	// The lab file chooses by its prefix (fig4, not up here).
	if _, err := labs.FindLab("", "figure4.yaml"); err == nil || !strings.Contains(err.Error(), `"fig4"`) {
		t.Errorf("labs.FindLab(figure4.yaml) = %v", err)
	}
}

// TestRegistryRefusesBadState checks that a damaged state file is an error
// naming the lab and the file, not a lab.
func TestRegistryRefusesBadState(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	for _, tt := range []struct{ content, want string }{
		{"{not json", "vtepctl-lab.json"},
		{`{"prefix": "other"}`, `names prefix "other"`},
	} {
		if err := os.MkdirAll(labs.RunDir("bad"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(labs.StatePath("bad"), []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := labs.FindLab("", ""); err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `lab "bad"`) {
			t.Errorf("state %q: FindLab = %v, want an error with %q", tt.content, err, tt.want)
		}
	}
	st := &labs.State{Prefix: "bad", File: "prefix: [\n"}
	if _, err := st.LabFile(); err == nil || !strings.Contains(err.Error(), "recorded lab file") {
		t.Errorf("LabFile of a broken recorded file = %v", err)
	}
}
