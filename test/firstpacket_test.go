package test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
)

// resolvedLog is what vtepd logs when its keeper adds a remote VTEP that
// OVS's tunnel neighbour cache lacked.
const resolvedLog = "remote VTEP resolved in OVS's neighbour cache"

// TestFirstPacket: in multicast mode, once every VM has flooded once, the
// first ping of every ordered pair of VMs on six hypervisors is answered:
// no VTEP drops the first unicast packet to another while OVS ARPs for it.
//
// The floods are broadcasts nobody answers, so nothing unicast crosses the
// underlay before the pings: every VTEP knows the others only from their
// floods. Before each ping the VMs forget their neighbours, so the pair's
// ARP request (a flood) and reply (the first unicast between the two
// VTEPs) come first.
func TestFirstPacket(t *testing.T) {
	r := upLab(t, "../labs/six.yaml", nil)
	floodOnce(t, r)
	for _, hv := range hypervisors(r) {
		waitRemotesResolved(t, r, hv)
		checkNeighbours(t, r, hv)
		// OVS snoops a flood's sender before the flood's frame is learned,
		// so vtepd's keeper never finds a learned VTEP missing: the data
		// plane did it all (without the join flow's register copies, only
		// the first VTEP to flood would be snooped, and vtepd would
		// resolve the others, later than the ARP reply to their floods).
		if n := strings.Count(mustExec(t, r, hv, "cat", r.Vtepds[hv].LogFile), resolvedLog); n != 0 {
			t.Errorf("%s: vtepd had to resolve %d remote VTEPs that OVS should have snooped from their floods", hv, n)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	t.Run("keeper-restores", func(t *testing.T) { checkKeeperRestores(t, r, "hv1") })
	pingAllPairs(t, r)
	checkNoPacketIns(t, r)
}

// waitRemotesResolved waits until a hypervisor's vtepd reports every other
// VTEP of the lab as a learned remote VTEP that OVS's cache holds.
func waitRemotesResolved(t *testing.T, r *labs.Running, hv string) {
	t.Helper()
	want := map[string]bool{}
	for _, h := range r.File.Hypervisors {
		if h.Name != hv {
			want[strings.Split(h.VTEPIP, "/")[0]] = true
		}
	}
	var last []api.RemoteVTEP
	err := labs.WaitFor(ctxT(t, 10*time.Second), 100*time.Millisecond, func() (bool, error) {
		rs, err := apiClient(r, hv).RemoteVTEPs(ctxT(t, 5*time.Second))
		if err != nil {
			return false, err
		}
		last = rs
		n := 0
		for _, x := range rs {
			if want[x.IP] && x.Resolved && x.Skipped == "" {
				n++
			}
		}
		return n == len(want), nil
	})
	if err != nil {
		t.Errorf("%s: vtepd does not report the %d other VTEPs resolved (%v): %+v", hv, len(want), err, last)
	}
}

// TestFirstPacketCold: even with no flood before, the first ping of every
// ordered pair is answered. The pair's ARP request is the flood from which
// the target's VTEP learns the sender's, and the reply the unicast packet
// from which the sender's learns the target's; in both OVS snoops the
// outer source before the inner frame is delivered.
func TestFirstPacketCold(t *testing.T) {
	r := upLab(t, "../labs/six.yaml", nil)
	pingAllPairs(t, r)
	checkNoPacketIns(t, r)
}

// pingAllPairs sends one ping between every ordered pair of VMs, each
// after every VM forgot its neighbours, and fails for each unanswered one.
func pingAllPairs(t *testing.T, r *labs.Running) {
	t.Helper()
	vms := r.File.VMs
	failed := 0
	for _, from := range vms {
		for _, to := range vms {
			if from.Name == to.Name {
				continue
			}
			for _, v := range vms {
				mustExec(t, r, v.Name, "ip", "neigh", "flush", "all")
			}
			out, err := r.Exec(ctxT(t, 10*time.Second), from.Name, "ping", "-c1", "-W1", strings.Split(to.IP, "/")[0])
			if err != nil {
				failed++
				t.Errorf("first ping %s -> %s: %v\n%s", from.Name, to.Name, err, out)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d first pings failed", failed, len(vms)*(len(vms)-1))
	}
}

// floodOnce makes every VM send one broadcast that no VM answers.
func floodOnce(t *testing.T, r *labs.Running) {
	t.Helper()
	var wg sync.WaitGroup
	for _, v := range r.File.VMs {
		mustExec(t, r, v.Name, "sysctl", "-qw", "net.ipv4.icmp_echo_ignore_broadcasts=1")
		wg.Add(1)
		go func() {
			defer wg.Done()
			// ping exits 1: nobody answers a broadcast echo here
			out, _ := r.Exec(ctxT(t, 10*time.Second), v.Name, "ping", "-b", "-c1", "-W1", "192.168.10.255")
			if !strings.Contains(out, "1 packets transmitted") {
				t.Errorf("%s: broadcast not sent:\n%s", v.Name, out)
			}
		}()
	}
	wg.Wait()
}

// checkNeighbours asserts that OVS's tunnel neighbour cache of a hypervisor
// holds every other VTEP, with the MAC of that VTEP's underlay bridge.
func checkNeighbours(t *testing.T, r *labs.Running, hv string) {
	t.Helper()
	var want []string
	for _, h := range r.File.Hypervisors {
		if h.Name == hv {
			continue
		}
		mac := mustExec(t, r, h.Name, "cat", "/sys/class/net/br-phy/address")
		want = append(want, strings.Split(h.VTEPIP, "/")[0]+" "+strings.TrimSpace(mac)+" br-phy")
	}
	var show string
	var missing []string
	// the floods reach the other VTEPs within milliseconds; bounded wait
	err := labs.WaitFor(ctxT(t, 5*time.Second), 50*time.Millisecond, func() (bool, error) {
		var err error
		show, err = r.OVS[hv].Appctl(ctxT(t, 10*time.Second), "tnl/neigh/show")
		if err != nil {
			return false, err
		}
		have := map[string]bool{}
		for _, l := range strings.Split(show, "\n") {
			have[strings.Join(strings.Fields(l), " ")] = true
		}
		missing = missing[:0]
		for _, w := range want {
			if !have[w] {
				missing = append(missing, w)
			}
		}
		return len(missing) == 0, nil
	})
	if err != nil {
		t.Errorf("%s: OVS's tunnel neighbour cache lacks %q after the floods (%v):\n%s", hv, missing, err, show)
	}
}

// checkKeeperRestores: vtepd puts back what OVS's tunnel neighbour cache of
// a hypervisor loses (here all of it, as if every entry had aged out)
// without a packet crossing the overlay. It runs before any unicast
// between the VMs: OVS would re-ARP by itself for a VTEP its datapath
// has a cached flow tunnelling to.
func checkKeeperRestores(t *testing.T, r *labs.Running, hv string) {
	before := strings.Count(mustExec(t, r, hv, "cat", r.Vtepds[hv].LogFile), resolvedLog)
	ovs := r.OVS[hv]
	if _, err := ovs.Appctl(ctxT(t, 10*time.Second), "tnl/neigh/flush"); err != nil {
		t.Fatal(err)
	}
	// the group's placeholder comes back on vtepd's next resync; not waited for
	if _, err := ovs.Appctl(ctxT(t, 10*time.Second), "tnl/neigh/set", "br-phy", "10.0.0.254", "01:00:5e:01:01:01"); err != nil {
		t.Fatal(err)
	}
	waitRemotesResolved(t, r, hv)
	checkNeighbours(t, r, hv)
	log := mustExec(t, r, hv, "cat", r.Vtepds[hv].LogFile)
	if n := strings.Count(log, resolvedLog) - before; n != len(r.File.Hypervisors)-1 {
		t.Errorf("%s: vtepd logged %d resolutions after the flush, want %d:\n%s", hv, n, len(r.File.Hypervisors)-1, log)
	}
}
