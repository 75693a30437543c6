package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
)

// retagLab: VNI 10 on VLAN 1 and VNI 20 on VLAN 2. a (hv1) and b (hv2)
// are on VLAN 1, c (hv2) on VLAN 2; all three share a subnet, so which of
// b and c answers a shows which VNI a is in. All are access ports (the
// port's tag column), which the tests change with ovs-vsctl.
const retagLab = `
prefix: retag
description: ports retagged with ovs-vsctl; VNI 10 on VLAN 1, VNI 20 on VLAN 2
underlay: {igmp_snooping: false}
vtep:
  flood: multicast
  networks:
    - {vni: 10, vlan: 1, group: 239.1.1.1}
    - {vni: 20, vlan: 2, group: 239.1.1.1}
hypervisors:
  - {name: hv1, vtep_ip: 10.0.0.1/24}
  - {name: hv2, vtep_ip: 10.0.0.2/24}
vms:
  - {name: a, hypervisor: hv1, mac: "02:00:00:00:00:0a", ip: 192.168.10.1/24, vlan: 1}
  - {name: b, hypervisor: hv2, mac: "02:00:00:00:00:0b", ip: 192.168.10.2/24, vlan: 1}
  - {name: c, hypervisor: hv2, mac: "02:00:00:00:00:0c", ip: 192.168.10.3/24, vlan: 2}
`

const (
	retagIPB = "192.168.10.2"
	retagIPC = "192.168.10.3"
)

// pingOnce sends one ping, waiting 200 ms for the reply. It returns
// whether it was answered, when it was sent and when the answer (or the
// timeout) came.
func pingOnce(t testing.TB, r *labs.Running, from, to string) (ok bool, sent, done time.Time) {
	t.Helper()
	sent = time.Now()
	_, err := r.Exec(ctxT(t, 10*time.Second), from, "ping", "-c", "1", "-W", "0.2", to)
	return err == nil, sent, time.Now()
}

// within runs probe until it reports ok, and fails the test unless that
// happened within d of start. probe returns when the condition was seen.
func within(t testing.TB, start time.Time, d time.Duration, what string, probe func() (bool, time.Time)) time.Duration {
	t.Helper()
	for {
		ok, at := probe()
		took := at.Sub(start)
		if ok {
			if took > d {
				t.Fatalf("%s after %v, want within %v", what, took.Round(time.Millisecond), d)
			}
			t.Logf("%s %v after the change", what, took.Round(time.Millisecond))
			return took
		}
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
	}
}

func setTag(t testing.TB, r *labs.Running, hv, port, tag string) {
	t.Helper()
	if _, err := r.OVS[hv].Vsctl(ctxT(t, 30*time.Second), "set", "port", port, "tag="+tag); err != nil {
		t.Fatal(err)
	}
}

// TestRetagWithinASecond: a port retagged with ovs-vsctl, which sends no
// OpenFlow event, takes effect within a second: on an unmapped VLAN its
// traffic is dropped (and counted by the drop-unknown-vlan flow), on
// another mapped VLAN it is in that VLAN's VNI.
func TestRetagWithinASecond(t *testing.T) {
	r := upLab(t, labFile(t, retagLab), nil)
	mustPing(t, r, "a", retagIPB, 2)
	pingFails(t, r, "a", retagIPC, 1) // c is in VNI 20

	t.Run("unmapped-vlan-dropped", func(t *testing.T) {
		before := unknownVLANDrops(t, r, "hv1")
		start := time.Now()
		setTag(t, r, "hv1", "a", "7")
		within(t, start, time.Second, "a's traffic to b dropped", func() (bool, time.Time) {
			ok, sent, _ := pingOnce(t, r, "a", retagIPB)
			return !ok, sent // a ping sent at `sent` went unanswered
		})
		pingFails(t, r, "a", retagIPB, 2)
		var after uint64
		err := labs.WaitFor(ctxT(t, 10*time.Second), 100*time.Millisecond, func() (bool, error) {
			after = unknownVLANDrops(t, r, "hv1")
			return after >= before+2, nil
		})
		if err != nil {
			t.Errorf("hv1 drop-unknown-vlan counted %d packets of a, want at least 2", after-before)
		}
	})
	t.Run("mapped-vlan-new-vni", func(t *testing.T) {
		start := time.Now()
		setTag(t, r, "hv1", "a", "2")
		within(t, start, time.Second, "a reaching c in VNI 20", func() (bool, time.Time) {
			ok, _, done := pingOnce(t, r, "a", retagIPC)
			return ok, done
		})
		mustPing(t, r, "a", retagIPC, 2)
		pingFails(t, r, "a", retagIPB, 1)
	})
	checkNoPacketIns(t, r)
}

// TestVtepdWaitsForOVSDB: vtepd started while ovsdb-server is down keeps
// trying (a warning per attempt) and programs its bridges once the
// database is back.
func TestVtepdWaitsForOVSDB(t *testing.T) {
	r := upLab(t, labFile(t, retagLab), nil)
	ctx := ctxT(t, 2*time.Minute)
	if err := r.Vtepds["hv1"].Stop(); err != nil {
		t.Fatal(err)
	}
	if err := r.OVS["hv1"].StopDB(ctx); err != nil {
		t.Fatal(err)
	}
	logFile := r.Vtepds["hv1"].LogFile
	fi, err := os.Stat(logFile)
	if err != nil {
		t.Fatal(err)
	}
	offset := fi.Size() // the log file is appended to: read only the new vtepd's lines
	d, err := r.StartDaemon(ctx, "hv1", vtepdBin, "-config", filepath.Join(r.NodeDir("hv1"), "vtepd.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r.Vtepds["hv1"] = d
	target := "unix:" + r.OVS["hv1"].DBSocket()
	err = labs.WaitFor(ctxT(t, 15*time.Second), 50*time.Millisecond, func() (bool, error) {
		b, err := os.ReadFile(logFile)
		if err != nil || int64(len(b)) < offset {
			return false, err
		}
		n := 0
		for _, l := range strings.Split(string(b[offset:]), "\n") {
			if strings.Contains(l, "level=warning") && strings.Contains(l, "ovsdb not reachable") &&
				strings.Contains(l, target) && strings.Contains(l, "error=") {
				n++
			}
		}
		return n >= 2, nil
	})
	if err != nil {
		t.Fatalf("no two warnings naming %s and the error in %s: %v", target, logFile, err)
	}
	if !d.Running() {
		t.Fatal("vtepd exited while ovsdb-server was down")
	}
	if err := r.OVS["hv1"].StartDB(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.WaitProgrammed(ctx, "hv1"); err != nil {
		t.Fatal(err)
	}
	mustPing(t, r, "a", retagIPB, 2)
}
