package labstest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
)

// Main runs a test package that brings labs up with vtepd: it builds vtepd
// into a temporary directory and stores its path in *vtepd, runs the tests,
// and fails the run if they left anything of a lab behind. Use it as
//
//	func TestMain(m *testing.M) { os.Exit(labstest.Main(m, &vtepdBin)) }
func Main(m *testing.M, vtepd *string) int {
	flag.Parse()
	if testing.Short() {
		return m.Run() // unit tests only: nothing needs vtepd
	}
	dir, err := os.MkdirTemp("", "vtep-test-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	*vtepd = filepath.Join(dir, "vtepd")
	if err := BuildCommands(dir, "vtepd"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	for _, l := range Leftovers(UsedPrefixes()) {
		fmt.Fprintf(os.Stderr, "FAIL: tests left behind %s\n", l)
		code = 1
	}
	return code
}

// BuildCommands builds the named commands of cmd/ (vtepd, vtepctl) into dir.
func BuildCommands(dir string, names ...string) error {
	for _, n := range names {
		cmd := exec.Command("go", "build", "-buildvcs=false", "-o", filepath.Join(dir, n), "github.com/vtep/vtep/cmd/"+n)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %w\n%s", n, err, out)
		}
	}
	return nil
}

// UpLab brings a lab file up under a fresh prefix with the vtepd binary at
// vtepd, after edit (if not nil) has adjusted the file; the lab is taken
// down when the test ends, and a failed test logs the end of every vtepd's log.
func UpLab(t testing.TB, file, vtepd string, edit func(*labs.File)) *labs.Running {
	t.Helper()
	Require(t)
	f, err := labs.LoadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f.Prefix = Prefix(t)
	if edit != nil {
		edit(f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := labs.Up(ctx, f, vtepd, func(s string) { t.Log(s) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for hv, d := range r.Vtepds {
				b, _ := os.ReadFile(d.LogFile)
				t.Logf("vtepd log of %s (last lines):\n%s", hv, tail(string(b), 40))
			}
		}
		if err := r.Close(); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	return r
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
