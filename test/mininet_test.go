package test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
)

// mininetScript is the Mininet example, relative to this package.
const mininetScript = "../labs/mininet/figure4.py"

// requireMininet is labstest.Require for the Mininet example: Debian's
// mininet package (its Python module and mnexec) must be installed.
func requireMininet(t *testing.T) {
	t.Helper()
	labstest.Require(t)
	_, errModule := os.Stat("/usr/lib/python3/dist-packages/mininet/net.py")
	if _, err := exec.LookPath("mnexec"); err == nil && errModule == nil {
		return
	}
	reason := "needs Debian's mininet package (make deps-test installs it)"
	if os.Getenv(labstest.RequireEnv) == "1" {
		t.Fatalf("integration test cannot run and %s=1: %s", labstest.RequireEnv, reason)
	}
	t.Skip("integration test skipped: " + reason)
}

// TestMininetExample runs labs/mininet/figure4.py --check: a Mininet network
// of three hypervisor hosts, each with its own OVS instance and vtepd, and
// three VM hosts. Every VM must ping every other one across the VXLAN
// underlay, each hypervisor's vtepctl macs must show the other two VMs
// learned behind their VTEPs, and the example must leave no process or
// directory behind.
func TestMininetExample(t *testing.T) {
	requireMininet(t)
	bin := t.TempDir()
	if err := labstest.BuildCommands(bin, "vtepctl"); err != nil {
		t.Fatal(err)
	}
	p := labstest.Prefix(t)
	dir := labs.RunDir(p)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mininetScript, "--check", "--prefix", p, "--rundir", dir,
		"--vtepd", vtepdBin, "--vtepctl", filepath.Join(bin, "vtepctl"))
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("%s --check: %v", mininetScript, err)
	}
	text := string(out)
	for _, pair := range [][2]string{{"a", "b"}, {"a", "c"}, {"b", "a"}, {"b", "c"}, {"c", "a"}, {"c", "b"}} {
		if !strings.Contains(text, "ping "+pair[0]+" -> "+pair[1]+" ") {
			t.Errorf("no ping from %s to %s reported", pair[0], pair[1])
		}
	}
	if strings.Contains(text, "FAILED") {
		t.Errorf("a ping failed")
	}
	// Each hypervisor learned the other two VMs behind their VTEPs.
	tables := map[string][]string{
		"hv1": {"02:00:00:00:00:0b  VTEP 10.0.0.2", "02:00:00:00:00:0c  VTEP 10.0.0.3", "02:00:00:00:00:0a  local"},
		"hv2": {"02:00:00:00:00:0a  VTEP 10.0.0.1", "02:00:00:00:00:0c  VTEP 10.0.0.3", "02:00:00:00:00:0b  local"},
		"hv3": {"02:00:00:00:00:0a  VTEP 10.0.0.1", "02:00:00:00:00:0b  VTEP 10.0.0.2", "02:00:00:00:00:0c  local"},
	}
	for hv, rows := range tables {
		_, table, ok := strings.Cut(text, "vtepctl macs on "+hv+":\n")
		if !ok {
			t.Errorf("no vtepctl macs output for %s", hv)
			continue
		}
		table, _, _ = strings.Cut(table, "vtepctl macs on")
		for _, r := range rows {
			if !strings.Contains(table, r) {
				t.Errorf("%s's table lacks %q:\n%s", hv, r, table)
			}
		}
	}
	checkMininetGone(t, dir)
}

// TestMininetExampleDetectsFailure runs the example's --check with a
// "vtepd" that exits at once (/bin/true): no VM reaches another, no table
// can be read, and the check must say so and exit non-zero, still taking
// everything down.
func TestMininetExampleDetectsFailure(t *testing.T) {
	requireMininet(t)
	p := labstest.Prefix(t)
	dir := labs.RunDir(p)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mininetScript, "--check", "--timeout", "1", "--prefix", p, "--rundir", dir,
		"--vtepd", "/bin/true", "--vtepctl", "/bin/false")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("--check passed with no vtepd:\n%s", out)
	}
	text := string(out)
	if !strings.Contains(text, "ping a -> b (192.168.10.2): FAILED") || !strings.Contains(text, "vtepctl macs on hv1 FAILED") {
		t.Errorf("--check did not report the failed pings and tables:\n%s", out)
	}
	checkMininetGone(t, dir)
}

// checkMininetGone checks that the example removed its run directory and
// stopped every process it started there.
func checkMininetGone(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("the example left %s behind", dir)
	}
	if out, err := exec.Command("pgrep", "-af", dir).Output(); err == nil {
		t.Errorf("the example left processes behind:\n%s", out)
	}
}
