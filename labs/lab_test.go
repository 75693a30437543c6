package labs_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
)

func twoHypervisors(prefix string) labs.Topology {
	return labs.Topology{
		Prefix: prefix,
		Hypervisors: []labs.Hypervisor{
			{Name: "hv1", VTEPIP: "10.0.0.1/24"},
			{Name: "hv2", VTEPIP: "10.0.0.2/24"},
		},
		VMs: []labs.VM{
			{Name: "vm1", Hypervisor: "hv1", MAC: "02:00:00:00:00:01", IP: "192.168.10.1/24", VLAN: 1},
			{Name: "vm2", Hypervisor: "hv2", MAC: "02:00:00:00:00:02", IP: "192.168.10.2/24", VLAN: 5, Tagged: true},
		},
	}
}

func buildLab(t *testing.T, topo labs.Topology) *labs.Lab {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := labs.Build(ctx, topo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("close lab: %v", err)
		}
	})
	return l
}

var dpidRe = regexp.MustCompile(`dpid:([0-9a-f]{16})`)

func TestTwoHypervisorsUnderlay(t *testing.T) {
	labstest.Require(t)
	l := buildLab(t, twoHypervisors(labstest.Prefix(t)))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// VTEP IP to VTEP IP: out of br-phy on hv1, through both OVS instances' underlay bridges.
	if out, err := l.Exec(ctx, "hv1", "ping", "-c", "2", "-W", "2", "10.0.0.2"); err != nil {
		t.Fatalf("ping hv1 -> hv2: %v\n%s", err, out)
	}
	// Both packets went through hv2's OVS: its br-phy counted them.
	out, err := l.OVS["hv2"].Ofctl(ctx, "dump-ports", "br-phy", "eth0")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`rx pkts=[1-9]`).MatchString(out) {
		t.Errorf("hv2 br-phy eth0 received nothing: %s", out)
	}

	// The two instances are independent: own datapath IDs, sockets, logs, namespaces.
	dpids := map[string]bool{}
	for _, hv := range []string{"hv1", "hv2"} {
		o := l.OVS[hv]
		show, err := o.Ofctl(ctx, "show", "br-phy")
		if err != nil {
			t.Fatal(err)
		}
		m := dpidRe.FindStringSubmatch(show)
		if m == nil {
			t.Fatalf("%s: no dpid in %q", hv, show)
		}
		dpids[m[1]] = true
		for _, f := range []string{o.Mgmt("br-phy"), o.Mgmt("br-int"), o.DBSocket(), o.Unixctl(), filepath.Join(o.Dir, "ovs-vswitchd.log")} {
			if !strings.HasPrefix(f, o.Dir) {
				t.Errorf("%s: %s outside the instance's dir %s", hv, f, o.Dir)
			}
			if _, err := os.Stat(f); err != nil {
				t.Errorf("%s: %v", hv, err)
			}
		}
		if o.Netns != l.Netns(hv) {
			t.Errorf("%s: OVS runs in %q, want %q", hv, o.Netns, l.Netns(hv))
		}
	}
	if len(dpids) != 2 {
		t.Errorf("datapath IDs not distinct: %v", dpids)
	}
	// Ports of VMs carry their VLAN configuration.
	if tag, err := l.OVS["hv1"].Vsctl(ctx, "get", "port", "vm1", "tag"); err != nil || strings.TrimSpace(tag) != "1" {
		t.Errorf("vm1 tag = %q, %v; want 1", tag, err)
	}
	if tr, err := l.OVS["hv2"].Vsctl(ctx, "get", "port", "vm2", "trunks"); err != nil || strings.TrimSpace(tr) != "[5]" {
		t.Errorf("vm2 trunks = %q, %v; want [5]", tr, err)
	}
}

func TestBuildFailureRemovesEverything(t *testing.T) {
	labstest.Require(t)
	p := labstest.Prefix(t)
	topo := twoHypervisors(p)
	// A port name that collides inside hv1 only at build time: vm1's port is "eth0", the uplink's name.
	topo.VMs[0].Port = "eth0"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := labs.Build(ctx, topo); err == nil {
		t.Fatal("Build succeeded with a port named like the uplink")
	} else if !strings.Contains(err.Error(), "eth0") {
		t.Errorf("error does not name the object: %v", err)
	}
	if left, _ := labs.ListNetns(p); len(left) != 0 {
		t.Errorf("failed build left namespaces %v", left)
	}
	if _, err := os.Stat(labs.RunDir(p)); err == nil {
		t.Errorf("failed build left %s", labs.RunDir(p))
	}
}

// TestSweepAfterKill builds a lab in a child process, kills the child with
// SIGKILL (no cleanup runs), and checks that Sweep removes what it left.
func TestSweepAfterKill(t *testing.T) {
	labstest.Require(t)
	if p := os.Getenv("VTEP_LAB_CHILD"); p != "" {
		ctx := context.Background()
		if _, err := labs.Build(ctx, twoHypervisors(p)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("built")
		time.Sleep(time.Minute) // killed by the parent long before
		os.Exit(2)
	}
	p := labstest.Prefix(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestSweepAfterKill$")
	cmd.Env = append(os.Environ(), "VTEP_LAB_CHILD="+p)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := stdout.Read(buf) // blocks until the child prints "built" (or exits)
	if !strings.Contains(string(buf[:n]), "built") {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("child did not build the lab: %q", buf[:n])
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()

	left, _ := labs.ListNetns(p)
	if len(left) != 5 {
		t.Fatalf("killed child left %d namespaces %v, want 5 (ul, hv1, hv2, vm1, vm2)", len(left), left)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	swept, err := labs.Sweep(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(swept) != 5 {
		t.Errorf("swept %v", swept)
	}
	if left, _ := labs.ListNetns(p); len(left) != 0 {
		t.Errorf("after sweep: namespaces %v", left)
	}
	if _, err := os.Stat(labs.RunDir(p)); err == nil {
		t.Errorf("after sweep: %s still there", labs.RunDir(p))
	}
	if n := len(ovsProcesses(t, labs.RunDir(p))); n != 0 {
		t.Errorf("after sweep: %d OVS processes of the lab still run", n)
	}
}

// ovsProcesses lists the pids whose command line mentions dir.
func ovsProcesses(t *testing.T, dir string) []int {
	t.Helper()
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), dir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestTopologyValidate(t *testing.T) {
	base := twoHypervisors("vtx")
	tests := []struct {
		name   string
		modify func(*labs.Topology)
		want   string
	}{
		{"long name", func(tp *labs.Topology) { tp.Hypervisors[0].Name = "hypervisor-one" }, `"hypervisor-one" is 14 characters long`},
		{"bad character", func(tp *labs.Topology) { tp.VMs[0].Name = "vm 1" }, `"vm 1" has the character ' '`},
		{"duplicate node", func(tp *labs.Topology) { tp.VMs[1].Name = "hv1" }, `node name "hv1" is already used by hypervisors[0].name`},
		{"bad ip", func(tp *labs.Topology) { tp.VMs[0].IP = "192.168.10.300/24" }, `vms[0].ip: "192.168.10.300/24" is not an address`},
		{"duplicate ip", func(tp *labs.Topology) { tp.VMs[1].IP = "192.168.10.1/24"; tp.VMs[1].VLAN = 1 }, `vms[1].ip: address 192.168.10.1 is already used by vms[0].ip`},
		{"bad mac", func(tp *labs.Topology) { tp.VMs[0].MAC = "02:00:00:00:00" }, `vms[0].mac: "02:00:00:00:00" is not an Ethernet address`},
		{"multicast mac", func(tp *labs.Topology) { tp.VMs[0].MAC = "01:00:5e:00:00:01" }, `is a multicast address`},
		{"unknown hypervisor", func(tp *labs.Topology) { tp.VMs[0].Hypervisor = "hv9" }, `vms[0].hypervisor: "hv9" is not a hypervisor`},
		{"duplicate vtep ip", func(tp *labs.Topology) { tp.Hypervisors[1].VTEPIP = "10.0.0.1/24" }, `hypervisors[1].vtep_ip: address 10.0.0.1 is already used by hypervisors[0].vtep_ip`},
		{"vlan range", func(tp *labs.Topology) { tp.VMs[0].VLAN = 4095 }, `vms[0].vlan: 4095 out of range`},
		{"bad prefix", func(tp *labs.Topology) { tp.Prefix = "" }, `lab prefix name is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := base
			tp.Hypervisors = append([]labs.Hypervisor(nil), base.Hypervisors...)
			tp.VMs = append([]labs.VM(nil), base.VMs...)
			tt.modify(&tp)
			err := tp.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if err := base.Validate(); err != nil {
		t.Errorf("valid topology: %v", err)
	}
}
