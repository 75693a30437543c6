package test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
)

// hypervisors returns the names of a lab's hypervisors.
func hypervisors(r *labs.Running) []string {
	var out []string
	for _, h := range r.File.Hypervisors {
		out = append(out, h.Name)
	}
	return out
}

// apiClient is a client of one hypervisor's vtepd API.
func apiClient(r *labs.Running, hv string) *api.Client {
	return api.NewClient("unix:" + r.NodeDir(hv) + "/vtepd-api.sock")
}

// status reads a hypervisor's vtepd status.
func status(t testing.TB, r *labs.Running, hv string) api.Status {
	t.Helper()
	s, err := apiClient(r, hv).Status(ctxT(t, 10*time.Second))
	if err != nil {
		t.Fatalf("%s: %v", hv, err)
	}
	return s
}

// checkNoPacketIns asserts that no hypervisor's vtepd has received a packet
// from its switches: learning happens in OVS, never in the controller.
func checkNoPacketIns(t testing.TB, r *labs.Running) {
	t.Helper()
	for _, hv := range hypervisors(r) {
		if n := status(t, r, hv).PacketIns; n != 0 {
			t.Errorf("%s: vtepd received %d packet-ins, want 0", hv, n)
		}
	}
}

// apiMACs reads a hypervisor's learned MACs through vtepd's API (source
// learned), in the
// shape macTable reads them from OVS, so the two can be compared.
func apiMACs(t testing.TB, r *labs.Running, hv string) []macEntry {
	t.Helper()
	ms, err := apiClient(r, hv).MACs(ctxT(t, 10*time.Second), 0)
	if err != nil {
		t.Fatalf("%s: %v", hv, err)
	}
	var out []macEntry
	for _, m := range ms {
		if m.Source != api.SourceLearned {
			continue // static and EVPN entries are not learned flows
		}
		e := macEntry{VNI: m.VNI, MAC: m.MAC, VTEP: m.VTEP}
		if !m.Remote {
			e.VTEP = "local"
		}
		out = append(out, e)
	}
	return out
}

// checkMACs asserts a hypervisor's learned MAC table, as OVS dumps it and as
// vtepd's API reports it.
func checkMACs(t testing.TB, r *labs.Running, hv string, want ...macEntry) {
	t.Helper()
	sort.Slice(want, func(i, j int) bool {
		if want[i].VNI != want[j].VNI {
			return want[i].VNI < want[j].VNI
		}
		return want[i].MAC < want[j].MAC
	})
	got := macTable(t, r, hv)
	if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Errorf("%s learned (ovs-ofctl dump-flows table=30):\n got %v\nwant %v", hv, got, want)
	}
	api := apiMACs(t, r, hv)
	if !reflect.DeepEqual(api, got) && !(len(api) == 0 && len(got) == 0) {
		t.Errorf("%s: vtepd's /v1/macs says %v, OVS says %v", hv, api, got)
	}
}

// mdbPorts returns the underlay bridge's member ports of a group.
func mdbPorts(ctx context.Context, r *labs.Running, group string) ([]string, error) {
	out, err := r.Exec(ctx, labs.UnderlayNode, "bridge", "mdb", "show")
	if err != nil {
		return nil, err
	}
	ports := labs.GroupMembers(labs.ParseMDB(out))[group]
	sort.Strings(ports)
	return ports, nil
}

// waitMembers waits until the snooping underlay lists exactly these ports
// as members of group: registration follows the IGMP reports the kernel
// sends when vtepd joins.
func waitMembers(t testing.TB, r *labs.Running, group string, want ...string) {
	t.Helper()
	sort.Strings(want)
	var got []string
	err := labs.WaitFor(ctxT(t, 20*time.Second), 100*time.Millisecond, func() (bool, error) {
		var err error
		got, err = mdbPorts(context.Background(), r, group)
		return err == nil && reflect.DeepEqual(got, want), err
	})
	if err != nil {
		t.Fatalf("underlay members of %s: got %v, want %v: %v", group, got, want, err)
	}
}

// capture starts tcpdump in a node and stops it when the test ends.
func capture(t testing.TB, r *labs.Running, node, ifname, filter string) *labs.Capture {
	t.Helper()
	c, err := labs.StartCapture(ctxT(t, 10*time.Second), r.Netns(node), ifname, filter)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	return c
}

// waitLine waits until a capture holds a line with every substring.
func waitLine(t testing.TB, c *labs.Capture, what string, subs ...string) string {
	t.Helper()
	l, err := c.WaitFor(ctxT(t, 10*time.Second), subs...)
	if err != nil {
		t.Fatalf("%s: %v\ncaptured:\n%s", what, err, strings.Join(c.Lines(), "\n"))
	}
	return l
}

// waitCount waits until a capture holds n lines with every substring: a
// capture lags the wire a little, so a test waits for every packet it will
// count before it stops the capture.
func waitCount(t testing.TB, c *labs.Capture, what string, n int, subs ...string) {
	t.Helper()
	if err := c.WaitCount(ctxT(t, 10*time.Second), n, subs...); err != nil {
		t.Fatalf("%s: %v\ncaptured:\n%s", what, err, strings.Join(c.Lines(), "\n"))
	}
}

// grep returns the lines holding every substring.
func grep(lines []string, subs ...string) []string {
	var out []string
	for _, l := range lines {
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(l, s)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

// checkCount asserts how many captured lines hold every substring.
func checkCount(t testing.TB, what string, lines []string, want int, subs ...string) {
	t.Helper()
	if got := grep(lines, subs...); len(got) != want {
		t.Errorf("%s: %d packets with %q, want %d; captured:\n%s", what, len(got), subs, want, strings.Join(lines, "\n"))
	}
}

// arping sends one ARP request from a VM and returns arping's output; err
// is non-nil when no reply came.
//
// arping reads replies with libpcap, which sees a received frame before the
// VM's VLAN tagger (tc ingress) has popped its tag, so on a tagged VM it
// never recognises a reply. For a tagged VM the tagger is lifted while
// arping runs and arping tags the request itself (-V), so the request
// leaves with the same VLAN tag and arping reads the tagged reply.
func arping(t testing.TB, r *labs.Running, vm, target string) (string, error) {
	t.Helper()
	ctx := ctxT(t, 30*time.Second)
	args := []string{"-c", "1", "-w", "3", "-I", "eth0"}
	var v labs.FileVM
	for _, x := range r.File.VMs {
		if x.Name == vm {
			v = x
		}
	}
	if v.Name == "" {
		t.Fatalf("arping: no VM %q in the lab", vm)
	}
	if v.Tagged {
		if err := labs.RemoveVLANTagger(ctx, r.Netns(vm), "eth0"); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := labs.AddVLANTagger(ctx, r.Netns(vm), "eth0", v.VLAN); err != nil {
				t.Fatal(err)
			}
		}()
		args = append(args, "-V", fmt.Sprint(v.VLAN))
	}
	return r.Exec(ctx, vm, "arping", append(args, target)...)
}

// pingFails sends pings that must all go unanswered.
func pingFails(t testing.TB, r *labs.Running, from, to string, count int) {
	t.Helper()
	out, err := r.Exec(ctxT(t, time.Minute), from, "ping", "-c", fmt.Sprint(count), "-i", "0.2", "-W", "1", to)
	if err == nil || !strings.Contains(out, " 0 received") {
		t.Errorf("ping %s -> %s: want no reply, got:\n%s", from, to, out)
	}
}

// mustPing sends pings that must all be answered.
func mustPing(t testing.TB, r *labs.Running, from, to string, count int) {
	t.Helper()
	if err := ping(t, r, from, to, count); err != nil {
		t.Error(err)
	}
}

// checkHealthy asserts that every hypervisor's vtepd reports itself healthy
// (its last reconcile succeeded, tunnel receive is up, ...), naming the
// failed checks otherwise.
func checkHealthy(t testing.TB, r *labs.Running) {
	t.Helper()
	for _, hv := range hypervisors(r) {
		if h := status(t, r, hv).Health; !h.Healthy {
			t.Errorf("%s: vtepd unhealthy: %+v", hv, h.Failed())
		}
	}
}
