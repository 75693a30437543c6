package labstest

import (
	"context"
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
	dir, err := os.MkdirTemp("", "vtep-test-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	*vtepd = filepath.Join(dir, "vtepd")
	cmd := exec.Command("go", "build", "-o", *vtepd, "github.com/vtep/vtep/cmd/vtepd")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build vtepd:", err)
		return 1
	}
	code := m.Run()
	for _, l := range Leftovers(UsedPrefixes()) {
		fmt.Fprintf(os.Stderr, "FAIL: tests left behind %s\n", l)
		code = 1
	}
	return code
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
