package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
)

// labCLI runs the real vtepctl binary, as a user would, next to a vtepd
// built from the same tree (so `lab up` finds vtepd next to vtepctl).
type labCLI struct {
	t   *testing.T
	bin string
}

// newLabCLI builds vtepctl and vtepd into a fresh directory.
func newLabCLI(t *testing.T) *labCLI {
	t.Helper()
	labstest.Require(t)
	dir := t.TempDir()
	if err := labstest.BuildCommands(dir, "vtepctl", "vtepd"); err != nil {
		t.Fatal(err)
	}
	return &labCLI{t: t, bin: filepath.Join(dir, "vtepctl")}
}

// run runs vtepctl with args and returns stdout, stderr and the exit code.
func (c *labCLI) run(args ...string) (string, string, int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return stdout.String(), stderr.String(), ee.ExitCode()
	case err != nil:
		c.t.Fatalf("vtepctl %s: %v", strings.Join(args, " "), err)
	}
	return stdout.String(), stderr.String(), 0
}

// mustRun runs vtepctl and fails the test unless it exits 0.
func (c *labCLI) mustRun(args ...string) string {
	c.t.Helper()
	stdout, stderr, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("vtepctl %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

// up brings a lab file up under a fresh prefix with `vtepctl lab up`, and
// takes it down with `vtepctl lab down` when the test ends (if the test has
// not already).
func (c *labCLI) up(file string) string {
	c.t.Helper()
	prefix := labstest.Prefix(c.t)
	c.t.Cleanup(func() {
		if _, err := os.Stat(labs.RunDir(prefix)); err == nil {
			if c.t.Failed() {
				for _, l := range mustGlob(filepath.Join(labs.RunDir(prefix), "*", "vtepd.log")) {
					b, _ := os.ReadFile(l)
					c.t.Logf("%s:\n%s", l, lastLines(string(b), 30))
				}
			}
			c.run("lab", "down", "--prefix", prefix)
		}
		if left := labstest.Leftovers([]string{prefix}); len(left) > 0 {
			c.t.Errorf("lab %s left behind: %v", prefix, left)
		}
	})
	out := c.mustRun("lab", "up", file, "--prefix", prefix)
	if !strings.Contains(out, "lab "+prefix+" is up") {
		c.t.Fatalf("lab up printed no success line:\n%s", out)
	}
	return prefix
}

func mustGlob(p string) []string { m, _ := filepath.Glob(p); return m }

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// pollExec runs a command in a lab node until it exits 0 (the first packet
// to a fresh underlay neighbour may be lost while OVS resolves it).
func (c *labCLI) pollExec(prefix, node string, cmd ...string) string {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		stdout, stderr, code := c.run(append([]string{"lab", "exec", "--prefix", prefix, node, "--"}, cmd...)...)
		if code == 0 {
			return stdout
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s$ %s: exit %d\n%s%s", node, strings.Join(cmd, " "), code, stdout, stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestLabUpExecStatusDown(t *testing.T) {
	c := newLabCLI(t)
	p := c.up("../../labs/figure4.yaml")
	// Another lab-like namespace whose name merely starts with the prefix
	// is not the lab's: down must leave it alone.
	other := labstest.Netns(t, p+"0", "keep")

	out := c.pollExec(p, "a", "ping", "-c1", "-W", "2", "192.168.10.2")
	if !strings.Contains(out, "1 received") {
		t.Errorf("ping a -> b:\n%s", out)
	}
	// exec passes the command's exit status on, and runs in the node's namespace.
	if _, _, code := c.run("lab", "exec", "--prefix", p, "b", "--", "sh", "-c", "exit 7"); code != 7 {
		t.Errorf("lab exec sh -c 'exit 7': exit %d, want 7", code)
	}
	if out := c.mustRun("lab", "exec", "--prefix", p, "c", "--", "ip", "-o", "addr", "show", "eth0"); !strings.Contains(out, "192.168.10.3/24") {
		t.Errorf("lab exec c ip addr: %s", out)
	}
	// OVS tools inside a hypervisor find its own OVS instance.
	if out := c.mustRun("lab", "exec", "--prefix", p, "hv2", "--", "ovs-vsctl", "list-ports", "br-int"); !strings.Contains(out, "b\n") {
		t.Errorf("lab exec hv2 ovs-vsctl list-ports br-int: %q", out)
	}
	if _, stderr, code := c.run("lab", "exec", "--prefix", p, "nosuch", "--", "true"); code != 2 || !strings.Contains(stderr, `no node "nosuch"`) {
		t.Errorf("lab exec nosuch: exit %d, %s", code, stderr)
	}

	status := c.mustRun("lab", "status", "--prefix", p)
	for _, want := range []string{
		"netns " + p + "-ul", "ports: hv1 hv2 hv3",
		"hypervisor hv1: VTEP 10.0.0.1/24 (netns " + p + "-hv1)", "hypervisor hv3: VTEP 10.0.0.3/24",
		"vtepd pid", "overlay br-int connected, underlay br-phy connected", "groups joined 239.1.1.1",
		"br-int ports: a vxlan0",
		"a      02:00:00:00:00:0a 192.168.10.1/24 on hv1 port a, VLAN 1 tagged -> VNI 10 (netns " + p + "-a)",
	} {
		if !strings.Contains(status, want) {
			t.Errorf("lab status lacks %q:\n%s", want, status)
		}
	}
	macs := c.mustRun("lab", "macs", "--prefix", p, "hv1")
	if !strings.Contains(macs, "02:00:00:00:00:0b") || !strings.Contains(macs, "10.0.0.2") {
		t.Errorf("lab macs hv1 after the ping does not show b behind 10.0.0.2:\n%s", macs)
	}
	if flows := c.mustRun("lab", "flows", "--prefix", p, "hv1"); !strings.Contains(flows, "239.1.1.1") {
		t.Errorf("lab flows hv1 shows no flood to the group:\n%s", flows)
	}
	// Options after the VTEP go to dump-flows, values included.
	// (the flood's tunnel copy goes to the group from flood-out, after
	// its size check)
	if flows := c.mustRun("lab", "flows", "--prefix", p, "hv1", "--table", "flood-out", "-o", "json"); !strings.HasPrefix(strings.TrimSpace(flows), "[") && !strings.HasPrefix(strings.TrimSpace(flows), "{") ||
		!strings.Contains(flows, "239.1.1.1") || strings.Contains(flows, "classify") {
		t.Errorf("lab flows hv1 --table flood-out -o json: want the flood-out table as JSON:\n%s", flows)
	}

	// A dead vtepd shows, and status fails.
	pid, ok := labs.PidAlive(filepath.Join(labs.RunDir(p), "hv3", "vtepd.pid"))
	if !ok {
		t.Fatalf("vtepd of hv3 is not running")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
	stdout, stderr, code := c.run("lab", "status", "--prefix", p)
	if code != 1 || !strings.Contains(stdout, fmt.Sprintf("MISSING: vtepd pid %d is not running", pid)) || !strings.Contains(stderr, "is not whole") {
		t.Errorf("status with a dead vtepd: exit %d\n%s\n%s", code, stdout, stderr)
	}

	down := c.mustRun("lab", "down", "--prefix", p)
	if !strings.Contains(down, "removed namespace "+p+"-hv1") {
		t.Errorf("lab down:\n%s", down)
	}
	if left := labstest.Leftovers([]string{p}); len(left) > 0 {
		t.Errorf("after lab down: %v", left)
	}
	if !labs.NetnsExists(other) {
		t.Errorf("lab down %s removed %s, which is not the lab's", p, other)
	}
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := labs.WaitFor(ctx, 20*time.Millisecond, func() (bool, error) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		return err != nil || strings.Contains(string(b), ") Z "), nil
	})
	if err != nil {
		t.Fatalf("process %d did not die: %v", pid, err)
	}
}

// TestLabUpBadFile checks that a lab file with an error is refused with the
// key (and line) named, and nothing of the lab is created.
func TestLabUpBadFile(t *testing.T) {
	c := newLabCLI(t)
	good, err := os.ReadFile("../../labs/figure4.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, from, to, want string }{
		{"unknown hypervisor", "{name: c, hypervisor: hv3", "{name: c, hypervisor: hv4", `line 24: vms[2].hypervisor: "hv4" is not a hypervisor of this lab`},
		{"unknown key", "igmp_snooping: true", "igmp_snoping: true", "line 9: field igmp_snoping not found"},
		{"vlan out of range", "ip: 192.168.10.3/24, vlan: 1", "ip: 192.168.10.3/24, vlan: 4095", "vms[2].vlan: 4095 out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := labstest.Prefix(t)
			data := strings.Replace(strings.Replace(string(good), tt.from, tt.to, 1), "prefix: fig4", "prefix: "+p, 1)
			file := filepath.Join(t.TempDir(), "bad.yaml")
			if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := c.run("lab", "up", file)
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("lab up: exit %d, stderr %q; want 1 and %q\n%s", code, stderr, tt.want, stdout)
			}
			if left := labstest.Leftovers([]string{p}); len(left) > 0 {
				t.Errorf("a refused lab file left %v", left)
			}
		})
	}
}

// TestLabDemo runs the main job: `vtepctl lab demo` on the ARP walk-through (labs/figure4.yaml).
func TestLabDemo(t *testing.T) {
	c := newLabCLI(t)
	p := labstest.Prefix(t)
	stdout, stderr, code := c.run("lab", "demo", "../../labs/figure4.yaml", "--prefix", p)
	if code != 0 {
		t.Fatalf("lab demo: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"[ok] the request left hv1 once, as VXLAN VNI 10 to the group 239.1.1.1",
		"[ok] hv2 learned A's MAC 02:00:00:00:00:0a in VNI 10 behind VTEP 10.0.0.1",
		"[ok] hv3 learned A's MAC 02:00:00:00:00:0a in VNI 10 behind VTEP 10.0.0.1",
		"[ok] hv1 learned B's MAC 02:00:00:00:00:0b in VNI 10 behind VTEP 10.0.0.2",
		"[ok] hv3 knows A behind 10.0.0.1 but not B",
		"[ok] nothing went to the group 239.1.1.1",
		"Every step held", "lab " + p + " is down",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("demo output:\n%s", stdout)
	}
	if left := labstest.Leftovers([]string{p}); len(left) > 0 {
		t.Errorf("demo left behind %v", left)
	}
}

// TestLabFigure2PhysicalVTEP: the Linux kernel VXLAN VTEP pm1 talks to VMs
// behind vtepd's OVS VTEPs in VNI 1000 through the shared group, and
// reaches nothing in VNI 2000, where the same addresses live.
func TestLabFigure2PhysicalVTEP(t *testing.T) {
	c := newLabCLI(t)
	p := c.up("../../labs/figure2.yaml")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Anything pm1 sends that reaches a VNI 2000 VM is a leak.
	leak, err := labs.StartCapture(ctx, p+"-t2a", "eth0", "ether src 02:00:00:00:10:09")
	if err != nil {
		t.Fatal(err)
	}
	defer leak.Stop()

	for _, to := range []string{"192.168.1.1", "192.168.1.2"} {
		c.pollExec(p, "pm1", "ping", "-c1", "-W", "2", to)
		out := c.mustRun("lab", "exec", "--prefix", p, "pm1", "--", "ping", "-c3", "-i", "0.2", "-W", "2", to)
		if !strings.Contains(out, "3 received") {
			t.Errorf("pm1 -> %s:\n%s", to, out)
		}
	}
	out := c.mustRun("lab", "exec", "--prefix", p, "t1b", "--", "ping", "-c3", "-i", "0.2", "-W", "2", "192.168.1.9")
	if !strings.Contains(out, "3 received") {
		t.Errorf("t1b -> pm1:\n%s", out)
	}
	// ARP went both ways through VXLAN: each side has the other's MAC.
	if out := c.mustRun("lab", "exec", "--prefix", p, "pm1", "--", "ip", "neigh", "show", "dev", "vx1000"); !strings.Contains(out, "192.168.1.1 lladdr 02:00:00:00:10:01") ||
		!strings.Contains(out, "192.168.1.2 lladdr 02:00:00:00:10:02") {
		t.Errorf("pm1's neighbours are not the VNI 1000 VMs:\n%s", out)
	}
	if out := c.mustRun("lab", "exec", "--prefix", p, "t1a", "--", "ip", "neigh", "show", "192.168.1.9"); !strings.Contains(out, "02:00:00:00:10:09") {
		t.Errorf("t1a does not know pm1's MAC: %s", out)
	}
	// Each side learned the other behind the right VTEP.
	if out := c.mustRun("lab", "macs", "--prefix", p, "pm1"); !strings.Contains(out, "02:00:00:00:10:01  VNI 1000  VTEP 10.0.0.1") ||
		!strings.Contains(out, "02:00:00:00:10:02  VNI 1000  VTEP 10.0.0.2") {
		t.Errorf("pm1's kernel forwarding database:\n%s", out)
	}
	for _, hv := range []string{"hv1", "hv2"} {
		o := &labs.OVS{Name: p + "-" + hv, Netns: p + "-" + hv, Dir: filepath.Join(labs.RunDir(p), hv)}
		es, err := o.Learned(ctx, labs.DefaultOverlayBridge)
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := labs.FindLearned(es, "02:00:00:00:10:09", 1000); !ok || !e.Remote || e.VTEP.String() != "10.0.0.9" {
			t.Errorf("%s did not learn pm1 behind 10.0.0.9 in VNI 1000: %+v", hv, es)
		}
		if _, ok := labs.FindLearned(es, "02:00:00:00:10:09", 2000); ok {
			t.Errorf("%s learned pm1 in VNI 2000: %+v", hv, es)
		}
	}

	// VNI 2000 cannot reach pm1, and pm1 reached nobody there.
	if stdout, _, code := c.run("lab", "exec", "--prefix", p, "t2a", "--", "ping", "-c2", "-i", "0.2", "-W", "1", "192.168.1.9"); code == 0 {
		t.Errorf("t2a in VNI 2000 reached pm1:\n%s", stdout)
	}
	if n := len(leak.Stop()); n != 0 {
		t.Errorf("t2a (VNI 2000) received %d frames from pm1: %q", n, leak.Lines())
	}
}
