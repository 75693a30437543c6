package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
)

// What the Docker lab test needs beyond the namespace labs': docker.io's
// engine and client, the compose v2 plugin and the base root file system
// (docker/deps.sh makes both; make deps runs it).
const (
	composePlugin = "/usr/local/lib/docker/cli-plugins/docker-compose"
	baseRootfs    = "/var/cache/vtep/bookworm-hypervisor.tar"
	baseImage     = "vtep-base:bookworm"
)

// requireDocker is labstest.Require for the Docker lab.
func requireDocker(t *testing.T) {
	t.Helper()
	labstest.Require(t)
	var missing []string
	for _, tool := range []string{"dockerd", "docker", "containerd", "runc", "docker-init"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	for _, f := range []string{composePlugin, baseRootfs} {
		if _, err := os.Stat(f); err != nil {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return
	}
	reason := "needs Docker, docker compose v2 and the base root file system (make deps-test); missing: " + strings.Join(missing, ", ")
	if os.Getenv(labstest.RequireEnv) == "1" {
		t.Fatalf("integration test cannot run and %s=1: %s", labstest.RequireEnv, reason)
	}
	t.Skip("integration test skipped: " + reason)
}

// dockerEngine is a Docker engine of the test's own: its data, run state and
// API socket live in one directory, it creates no docker0 bridge and leaves
// iptables and IP forwarding alone. Its one network is the compose lab's
// underlay bridge.
type dockerEngine struct {
	dir     string
	cmd     *exec.Cmd
	env     []string
	stopped bool
}

// startDockerd starts an engine in dir and waits until it answers; name is
// its containerd namespace, in case it shares the system's containerd.
func startDockerd(ctx context.Context, name, dir string) (*dockerEngine, error) {
	log, err := os.Create(filepath.Join(dir, "dockerd.log"))
	if err != nil {
		return nil, fmt.Errorf("dockerd log: %w", err)
	}
	defer log.Close()
	sock := "unix://" + filepath.Join(dir, "docker.sock")
	cmd := exec.Command("dockerd", "--host", sock, "--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "exec"), "--pidfile", filepath.Join(dir, "dockerd.pid"),
		"--containerd-namespace", name, "--containerd-plugins-namespace", name+"-plugins",
		"--bridge=none", "--iptables=false", "--ip-forward=false", "--ip-masq=false")
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dockerd: %w", err)
	}
	e := &dockerEngine{dir: dir, cmd: cmd, env: append(os.Environ(), "DOCKER_HOST="+sock, "DOCKER_CONFIG="+filepath.Join(dir, "client"))}
	err = labs.WaitFor(ctx, 200*time.Millisecond, func() (bool, error) {
		_, err := e.run(ctx, "version")
		return err == nil, nil
	})
	if err != nil {
		_ = e.stop()
		return nil, fmt.Errorf("dockerd does not answer: %w\n%s", err, e.log())
	}
	return e, nil
}

// run runs the docker client against the engine.
func (e *dockerEngine) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Env = e.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("docker %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func (e *dockerEngine) log() string {
	b, _ := os.ReadFile(filepath.Join(e.dir, "dockerd.log"))
	return lastLines(string(b), 20)
}

// bridges lists the Linux bridges of the engine's networks (all of them are
// the test's: the engine is its own).
func (e *dockerEngine) bridges(ctx context.Context) []string {
	out, err := e.run(ctx, "network", "ls", "-q", "--no-trunc", "--filter", "driver=bridge")
	if err != nil {
		return nil
	}
	var names []string
	for _, id := range strings.Fields(out) {
		names = append(names, "br-"+id[:12])
	}
	return names
}

// stop stops the engine (and the containerd it started) by its pid and
// removes its directory, unmounting what it left mounted there, and the
// bridges of networks it still had (a lab that failed to come down).
func (e *dockerEngine) stop() error {
	if e.stopped {
		return nil
	}
	e.stopped = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	left := e.bridges(ctx)
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- e.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	if out, err := exec.Command("findmnt", "-rn", "-o", "TARGET").Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		for i := len(lines) - 1; i >= 0; i-- {
			if strings.HasPrefix(lines[i], e.dir+"/") {
				_ = syscall.Unmount(lines[i], syscall.MNT_DETACH)
			}
		}
	}
	var errs []error
	for _, br := range left {
		if _, err := os.Stat("/sys/class/net/" + br); err == nil {
			if out, err := exec.Command("ip", "link", "del", br).CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("delete bridge %s: %w: %s", br, err, out))
			}
		}
	}
	if err := os.RemoveAll(e.dir); err != nil {
		errs = append(errs, fmt.Errorf("remove %s: %w", e.dir, err))
	}
	return errors.Join(errs...)
}

// TestDockerLab runs docker-compose.yml with docker compose v2 on an engine
// of its own, the way `make docker-lab` does: the hypervisor image is built
// from the imported Debian root file system with prebuilt binaries (no
// registry is needed), the three containers come up, and the ARP
// walk-through runs inside them: VM a's ARP request for b is answered, a
// pings b, and vtepctl macs in each container shows what it learned (hv1: b
// behind VTEP 10.0.0.2; hv2 and hv3: a behind VTEP 10.0.0.1). Then the lab is
// taken down and no container, network, image or build cache is left, nor
// the underlay bridge once the engine is stopped.
func TestDockerLab(t *testing.T) {
	requireDocker(t)
	const root = "../.."
	p := labstest.Prefix(t)
	dir := labs.RunDir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	e, err := startDockerd(ctx, p, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.stop(); err != nil {
			t.Errorf("stop dockerd: %v", err)
		}
	})
	override := dockerLabContext(t, root, dir)
	if _, err := e.run(ctx, "import", baseRootfs, baseImage); err != nil {
		t.Fatal(err)
	}
	e.env = append(e.env, "VTEP_BASE_IMAGE="+baseImage, "VTEP_GO_IMAGE="+baseImage, "VTEP_BINARIES=prebuilt")
	compose := func(args ...string) (string, error) {
		full := append([]string{"compose", "-f", filepath.Join(root, "docker-compose.yml"), "-f", override, "-p", p}, args...)
		return e.run(ctx, full...)
	}
	t.Cleanup(func() { _, _ = compose("down", "--rmi", "all", "--volumes", "--timeout", "1") })
	if out, err := compose("up", "-d", "--build"); err != nil {
		t.Fatalf("%v\n%s", err, e.log())
	} else {
		t.Logf("compose up:\n%s", lastLines(out, 8))
	}
	netID, err := e.run(ctx, "network", "inspect", "-f", "{{.Id}}", p+"_underlay")
	if err != nil {
		t.Fatal(err)
	}
	bridge := "br-" + strings.TrimSpace(netID)[:12]
	dockerWalkthrough(ctx, t, compose)
	if t.Failed() {
		for _, s := range []string{"hv1", "hv2", "hv3"} {
			out, _ := compose("logs", "--tail", "15", s)
			t.Logf("%s", out)
		}
		// The underlay bridge is in the root namespace: a system Docker
		// engine's FORWARD policy DROP also drops its bridged frames when
		// bridge netfilter is on.
		out, _ := exec.Command("iptables", "-S", "FORWARD").CombinedOutput()
		t.Logf("root namespace's iptables FORWARD chain:\n%s", out)
	}
	if _, err := compose("down", "--rmi", "all", "--volumes", "--timeout", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.run(ctx, "rmi", baseImage); err != nil {
		t.Error(err)
	}
	if _, err := e.run(ctx, "builder", "prune", "-af"); err != nil {
		t.Error(err)
	}
	checkDockerEmpty(ctx, t, e, p)
	if err := e.stop(); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat("/sys/class/net/" + bridge); err == nil {
		t.Errorf("the underlay bridge %s is left behind", bridge)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("%s is left behind", dir)
	}
}

// dockerLabContext makes the build context of the test's images in dir:
// docker/ of the repository and statically linked vtepd and vtepctl in bin/,
// so the repository's own bin/ is left alone. It returns a compose override
// file that points hv1's build (the image of all three) at it.
func dockerLabContext(t *testing.T, root, dir string) string {
	t.Helper()
	ctxDir := filepath.Join(dir, "context")
	if err := os.MkdirAll(ctxDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-r", filepath.Join(root, "docker"), filepath.Join(ctxDir, "docker")).CombinedOutput(); err != nil {
		t.Fatalf("copy docker/: %v\n%s", err, out)
	}
	for _, n := range []string{"vtepd", "vtepctl"} {
		cmd := exec.Command("go", "build", "-buildvcs=false", "-o", filepath.Join(ctxDir, "bin", n), "github.com/vtep/vtep/cmd/"+n)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", n, err, out)
		}
	}
	var b strings.Builder
	b.WriteString("services:\n")
	// The engine has no default bridge for RUN steps, and they need no network.
	fmt.Fprintf(&b, "  hv1:\n    build:\n      context: %s\n      network: none\n%s", strconv.Quote(ctxDir), unprivileged())
	for _, s := range []string{"hv2", "hv3"} {
		fmt.Fprintf(&b, "  %s:\n%s", s, unprivileged())
	}
	override := filepath.Join(dir, "override.yml")
	if err := os.WriteFile(override, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return override
}

// unprivileged returns, for a machine whose capability bounding set lacks
// some capability (runc then refuses a privileged container: "unable to
// apply caps"), the compose settings that give the containers what
// privileged would, minus those capabilities: every other capability,
// /dev/net/tun for OVS's userspace datapath, no seccomp or AppArmor
// profile and writable /proc and /sys. Elsewhere it returns "".
func unprivileged() string {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	var bnd uint64
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "CapBnd:"); ok {
			bnd, _ = strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	last, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return ""
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(last)))
	var drop []string
	for c := 0; c <= n; c++ {
		if bnd&(1<<c) == 0 {
			if name, ok := capNames[c]; ok {
				drop = append(drop, name)
			}
		}
	}
	if len(drop) == 0 {
		return ""
	}
	return "    privileged: false\n    cap_add: [ALL]\n    cap_drop: [" + strings.Join(drop, ", ") + "]\n" +
		"    devices: [/dev/net/tun]\n" +
		"    security_opt: [seccomp=unconfined, apparmor=unconfined, systempaths=unconfined]\n"
}

// capNames names the capabilities by number (linux/capability.h).
var capNames = map[int]string{
	0: "CHOWN", 1: "DAC_OVERRIDE", 2: "DAC_READ_SEARCH", 3: "FOWNER", 4: "FSETID", 5: "KILL",
	6: "SETGID", 7: "SETUID", 8: "SETPCAP", 9: "LINUX_IMMUTABLE", 10: "NET_BIND_SERVICE",
	11: "NET_BROADCAST", 12: "NET_ADMIN", 13: "NET_RAW", 14: "IPC_LOCK", 15: "IPC_OWNER",
	16: "SYS_MODULE", 17: "SYS_RAWIO", 18: "SYS_CHROOT", 19: "SYS_PTRACE", 20: "SYS_PACCT",
	21: "SYS_ADMIN", 22: "SYS_BOOT", 23: "SYS_NICE", 24: "SYS_RESOURCE", 25: "SYS_TIME",
	26: "SYS_TTY_CONFIG", 27: "MKNOD", 28: "LEASE", 29: "AUDIT_WRITE", 30: "AUDIT_CONTROL",
	31: "SETFCAP", 32: "MAC_OVERRIDE", 33: "MAC_ADMIN", 34: "SYSLOG", 35: "WAKE_ALARM",
	36: "BLOCK_SUSPEND", 37: "AUDIT_READ", 38: "PERFMON", 39: "BPF", 40: "CHECKPOINT_RESTORE",
}

// dockerWalkthrough is the ARP walk-through inside the containers.
func dockerWalkthrough(ctx context.Context, t *testing.T, compose func(...string) (string, error)) {
	t.Helper()
	// vtepd and OVS start in each container: poll until a's ARP request
	// for b is answered across the underlay.
	var out string
	err := labs.WaitFor(ctx, 500*time.Millisecond, func() (bool, error) {
		var err error
		out, err = compose("exec", "-T", "hv1", "ip", "netns", "exec", "a", "arping", "-c1", "-w2", "192.168.10.2")
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("VM a's ARP request for 192.168.10.2 is not answered: %v\n%s", err, out)
	}
	if !strings.Contains(out, "02:00:00:00:00:0B") && !strings.Contains(strings.ToLower(out), "02:00:00:00:00:0b") {
		t.Errorf("arping did not get b's MAC:\n%s", out)
	}
	out, err = compose("exec", "-T", "hv1", "ip", "netns", "exec", "a", "ping", "-c3", "-i0.2", "192.168.10.2")
	if err != nil || !strings.Contains(out, " 0% packet loss") {
		t.Errorf("a -> b ping: %v\n%s", err, out)
	}
	want := map[string]string{
		"hv1": "02:00:00:00:00:0b  VTEP 10.0.0.2",
		"hv2": "02:00:00:00:00:0a  VTEP 10.0.0.1",
		"hv3": "02:00:00:00:00:0a  VTEP 10.0.0.1",
	}
	for _, hv := range []string{"hv1", "hv2", "hv3"} {
		out, err := compose("exec", "-T", hv, "vtepctl", "macs")
		t.Logf("vtepctl macs on %s:\n%s", hv, out)
		if err != nil || !strings.Contains(out, want[hv]) {
			t.Errorf("vtepctl macs on %s: %v, want a row %q", hv, err, want[hv])
		}
	}
}

// checkDockerEmpty checks that the engine holds nothing of the lab:
// no container, network, image or build cache.
func checkDockerEmpty(ctx context.Context, t *testing.T, e *dockerEngine, project string) {
	t.Helper()
	checks := []struct {
		what string
		args []string
	}{
		{"containers", []string{"ps", "-aq"}},
		{"networks of the lab", []string{"network", "ls", "-q", "--filter", "label=com.docker.compose.project=" + project}},
		{"images", []string{"images", "-aq"}},
		{"build cache", []string{"system", "df", "--format", `{{if eq .Type "Build Cache"}}{{.TotalCount}}{{end}}`}},
	}
	for _, c := range checks {
		out, err := e.run(ctx, c.args...)
		if err != nil {
			t.Errorf("%s: %v", c.what, err)
			continue
		}
		if got := strings.TrimSpace(out); got != "" && got != "0" {
			t.Errorf("%s left behind: %s", c.what, got)
		}
	}
}
