package main

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
)

// composeFile is the part of docker-compose.yml the lab in Docker relies on.
type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Networks map[string]struct {
		Driver string `yaml:"driver"`
		IPAM   struct {
			Config []struct {
				Subnet  string `yaml:"subnet"`
				Gateway string `yaml:"gateway"`
			} `yaml:"config"`
		} `yaml:"ipam"`
	} `yaml:"networks"`
}

type composeService struct {
	Build struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Image       string            `yaml:"image"`
	PullPolicy  string            `yaml:"pull_policy"`
	Privileged  bool              `yaml:"privileged"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Networks    map[string]struct {
		IPv4Address string `yaml:"ipv4_address"`
	} `yaml:"networks"`
}

// TestDockerCompose checks docker-compose.yml without a Docker engine: it is
// the ARP walk-through lab, labs/figure4.yaml (same hypervisors, VTEP addresses, VMs and networks as
// labs/figure4.yaml), every hypervisor is privileged on the underlay
// network, each one's vtepd configuration is valid, and every file it
// refers to exists.
func TestDockerCompose(t *testing.T) {
	const root = "../.."
	data, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(data, &cf); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	lab, err := labs.LoadFile(filepath.Join(root, "labs/figure4.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ul, ok := cf.Networks["underlay"]
	if !ok || len(ul.IPAM.Config) != 1 {
		t.Fatalf("networks.underlay with one ipam config is missing: %+v", cf.Networks)
	}
	subnet, err := netip.ParsePrefix(ul.IPAM.Config[0].Subnet)
	if err != nil {
		t.Fatalf("networks.underlay.ipam.config[0].subnet: %v", err)
	}
	gateway, err := netip.ParseAddr(ul.IPAM.Config[0].Gateway)
	if err != nil || !subnet.Contains(gateway) {
		t.Fatalf("networks.underlay gateway %q is not in %s", ul.IPAM.Config[0].Gateway, subnet)
	}
	if len(cf.Services) != len(lab.Hypervisors) {
		t.Errorf("%d services, want one per hypervisor of labs/figure4.yaml (%d)", len(cf.Services), len(lab.Hypervisors))
	}
	for _, h := range lab.Hypervisors {
		s, ok := cf.Services[h.Name]
		if !ok {
			t.Errorf("services.%s is missing", h.Name)
			continue
		}
		f := "services." + h.Name
		if !s.Privileged {
			t.Errorf("%s.privileged is not true (OVS and namespaces need it)", f)
		}
		// hv1 builds the image, the others run it without pulling it.
		if s.Image != "vtep-hypervisor:dev" {
			t.Errorf("%s.image = %q, want the one image vtep-hypervisor:dev", f, s.Image)
		}
		if h.Name == "hv1" && s.Build.Context != "." {
			t.Errorf("%s: build.context %q, want .", f, s.Build.Context)
		}
		if h.Name != "hv1" && (s.Build.Context != "" || s.PullPolicy != "never") {
			t.Errorf("%s: build.context %q pull_policy %q, want no build and never", f, s.Build.Context, s.PullPolicy)
		}
		for _, p := range []string{cf.Services["hv1"].Build.Dockerfile, "docker/entrypoint.sh", "docker/Dockerfile.dockerignore"} {
			if _, err := os.Stat(filepath.Join(root, p)); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
		vtepIP := netip.MustParsePrefix(h.VTEPIP)
		n, ok := s.Networks["underlay"]
		if !ok || n.IPv4Address != vtepIP.Addr().String() {
			t.Errorf("%s.networks.underlay.ipv4_address = %q, want %s", f, n.IPv4Address, vtepIP.Addr())
		}
		if !subnet.Contains(vtepIP.Addr()) || vtepIP.Addr() == gateway {
			t.Errorf("%s: VTEP %s is outside %s or is its gateway", f, vtepIP, subnet)
		}
		if s.Environment["VTEP_IP"] != h.VTEPIP {
			t.Errorf("%s.environment.VTEP_IP = %q, want %s", f, s.Environment["VTEP_IP"], h.VTEPIP)
		}
		// The VM in the container is the lab file's VM on this hypervisor.
		for _, v := range lab.VMs {
			if v.Hypervisor != h.Name {
				continue
			}
			got := []string{s.Environment["VM_NAME"], s.Environment["VM_MAC"], s.Environment["VM_IP"], s.Environment["VM_VLAN"]}
			want := []string{v.Name, v.MAC, v.IP, strconv.Itoa(v.VLAN)}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s VM environment = %q, want %q", f, got, want)
			}
		}
		// The vtepd configuration mounted into the container.
		var cfgFile string
		for _, v := range s.Volumes {
			src, dst, _ := strings.Cut(v, ":")
			if _, err := os.Stat(filepath.Join(root, src)); err != nil {
				t.Errorf("%s.volumes: %v", f, err)
			}
			if strings.HasPrefix(dst, "/etc/vtep/vtepd.yaml") {
				cfgFile = filepath.Join(root, src)
			}
		}
		if cfgFile == "" {
			t.Errorf("%s mounts no /etc/vtep/vtepd.yaml", f)
			continue
		}
		cfg, err := config.Load(cfgFile)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if cfg.Underlay.LocalIP != vtepIP || cfg.Underlay.Uplink != "eth0" || cfg.Underlay.Bridge != labs.DefaultUnderlayBridge || cfg.Bridge != labs.DefaultOverlayBridge {
			t.Errorf("%s: underlay %+v bridge %s, want local_ip %s on eth0 of br-phy, overlay br-int", cfgFile, cfg.Underlay, cfg.Bridge, vtepIP)
		}
		if len(cfg.Networks) != len(lab.VTEP.Networks) {
			t.Errorf("%s: %d networks, want labs/figure4.yaml's %d", cfgFile, len(cfg.Networks), len(lab.VTEP.Networks))
		}
		for i, n := range lab.VTEP.Networks {
			if i < len(cfg.Networks) && (int(cfg.Networks[i].VNI) != n.VNI || int(cfg.Networks[i].VLAN) != n.VLAN || cfg.Networks[i].Group.String() != n.Group) {
				t.Errorf("%s: networks[%d] = %+v, want %+v", cfgFile, i, cfg.Networks[i], n)
			}
		}
		gws, err := cfg.MulticastGateways()
		if err != nil {
			t.Errorf("%s: %v", cfgFile, err)
		}
		for _, g := range gws {
			if g.Gateway == gateway {
				t.Errorf("%s: multicast placeholder %s is Docker's gateway, a real host", cfgFile, g.Gateway)
			}
		}
	}
	if out, err := exec.Command("bash", "-n", filepath.Join(root, "docker/entrypoint.sh")).CombinedOutput(); err != nil {
		t.Errorf("docker/entrypoint.sh: %v\n%s", err, out)
	}
	if fi, err := os.Stat(filepath.Join(root, "docker/entrypoint.sh")); err == nil && fi.Mode()&0o111 == 0 {
		t.Errorf("docker/entrypoint.sh is not executable")
	}
}

// TestDockerEntrypoint runs the compose file's hypervisors without Docker:
// each "container" is a network namespace plus a private mount namespace
// (tmpfs over the directories a container has of its own), cabled to one
// underlay bridge, running docker/entrypoint.sh with the service's
// environment and vtepd configuration from docker-compose.yml. The VMs
// must then reach each other across the three containers.
func TestDockerEntrypoint(t *testing.T) {
	labstest.Require(t)
	const root = "../.."
	data, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(data, &cf); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := labstest.BuildCommands(bin, "vtepd", "vtepctl"); err != nil {
		t.Fatal(err)
	}
	entry, err := filepath.Abs(filepath.Join(root, "docker/entrypoint.sh"))
	if err != nil {
		t.Fatal(err)
	}
	p := labstest.Prefix(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t.Cleanup(func() {
		if _, err := labs.Down(context.Background(), p); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	ul := p + "-ul"
	if err := labs.AddNetns(ul); err != nil {
		t.Fatal(err)
	}
	if err := labs.AddBridge(ctx, ul, "br0", labs.BridgeOptions{}); err != nil {
		t.Fatal(err)
	}
	pids := map[string]int{}
	logs := map[string]*bytes.Buffer{}
	for _, name := range sortedKeys(cf.Services) {
		s := cf.Services[name]
		ns := p + "-" + name
		if err := labs.AddNetns(ns); err != nil {
			t.Fatal(err)
		}
		if err := labs.AddVeth(ctx, labs.End{Netns: ns, Name: "eth0"}, labs.End{Netns: ul, Name: name}); err != nil {
			t.Fatal(err)
		}
		if err := labs.SetMaster(ul, name, "br0"); err != nil {
			t.Fatal(err)
		}
		// What Docker does: eth0 up with the service's address.
		if err := labs.AddAddr(ns, "eth0", s.Networks["underlay"].IPv4Address+"/24"); err != nil {
			t.Fatal(err)
		}
		if err := labs.LinkUp(ns, "eth0"); err != nil {
			t.Fatal(err)
		}
		var mounts []string
		for _, v := range s.Volumes {
			src, dst, _ := strings.Cut(v, ":")
			dst, _, _ = strings.Cut(dst, ":")
			abs, _ := filepath.Abs(filepath.Join(root, src))
			mounts = append(mounts, fmt.Sprintf("cp %s %s", abs, dst))
		}
		script := "set -e; for d in /etc/openvswitch /run/openvswitch /var/log/openvswitch /run/vtep /run/netns /etc/vtep; do " +
			"mkdir -p $d; mount -t tmpfs none $d; done; " + strings.Join(mounts, "; ") + "; exec " + entry
		cmd := labs.Command(context.Background(), ns, "unshare", "-m", "--propagation", "private", "bash", "-c", script)
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
		for k, v := range s.Environment {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		logs[name] = &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = logs[name], logs[name]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { _ = cmd.Wait() }()
		pids[name] = cmd.Process.Pid
	}
	defer func() {
		if t.Failed() {
			for n, l := range logs {
				t.Logf("%s:\n%s", n, lastLines(l.String(), 20))
			}
		}
	}()
	// In hv1's container, VM a pings b and c (in the other containers).
	inVM := func(svc string, args ...string) (string, error) {
		s := cf.Services[svc]
		full := append([]string{"-t", fmt.Sprint(pids[svc]), "-m", "-n", "ip", "netns", "exec", s.Environment["VM_NAME"]}, args...)
		out, err := exec.CommandContext(ctx, "nsenter", full...).CombinedOutput()
		return string(out), err
	}
	for _, to := range []string{"hv2", "hv3"} {
		ip, _, _ := strings.Cut(cf.Services[to].Environment["VM_IP"], "/")
		var out string
		err := labs.WaitFor(ctx, 200*time.Millisecond, func() (bool, error) {
			var err error
			out, err = inVM("hv1", "ping", "-c1", "-W1", ip)
			return err == nil, err
		})
		if err != nil {
			t.Fatalf("VM a (hv1) -> %s (%s): %v\n%s", ip, to, err, out)
		}
	}
	// vtepctl in the container reads vtepd at the default API address.
	out, err := exec.CommandContext(ctx, "nsenter", "-t", fmt.Sprint(pids["hv1"]), "-m", "-n", filepath.Join(bin, "vtepctl"), "macs").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "VTEP 10.0.0.2") || !strings.Contains(string(out), "VTEP 10.0.0.3") {
		t.Errorf("vtepctl macs in hv1: %v\n%s", err, out)
	}
}
