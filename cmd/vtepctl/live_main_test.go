package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/vtep/vtep/labs/labstest"
)

// vtepdBin is the vtepd binary the live-lab tests run, built once by TestMain.
var vtepdBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vtepctl-test-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	vtepdBin = filepath.Join(dir, "vtepd")
	cmd := exec.Command("go", "build", "-o", vtepdBin, "github.com/vtep/vtep/cmd/vtepd")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build vtepd:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	for _, l := range labstest.Leftovers(labstest.UsedPrefixes()) {
		fmt.Fprintf(os.Stderr, "FAIL: tests left behind %s\n", l)
		code = 1
	}
	os.Exit(code)
}
