package labs_test

import (
	"bufio"
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
)

func TestAddVLANTaggerRejectsBadVID(t *testing.T) {
	for _, vid := range []int{-1, 0, 4095, 5000} {
		err := labs.AddVLANTagger(context.Background(), "nons", "eth0", vid)
		if err == nil || !strings.Contains(err.Error(), "vid "+strconv.Itoa(vid)) {
			t.Errorf("vid %d: got error %v, want one naming vid %d", vid, err, vid)
		}
	}
}

// TestVLANTagger cables two namespaces with a veth pair and checks, with real
// frames, that a tagged side sends VLAN-tagged frames and only accepts frames
// of its own VLAN.
func TestVLANTagger(t *testing.T) {
	labstest.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p := labstest.Prefix(t)
	nsA, nsB := labstest.Netns(t, p, "a"), labstest.Netns(t, p, "b")
	ifA, ifB := p+"a", p+"b"
	tagOK(t, labs.AddVeth(ctx, labs.End{Netns: nsA, Name: ifA}, labs.End{Netns: nsB, Name: ifB}))
	tagOK(t, labs.AddAddr(nsA, ifA, "10.77.0.1/24"))
	tagOK(t, labs.AddAddr(nsB, ifB, "10.77.0.2/24"))
	macA, err := labs.LinkMAC(nsA, ifA)
	tagOK(t, err)
	// B knows A's address without ARP, so that B's echo requests reach A's
	// wire whether or not A would answer.
	_, err = labs.Exec(ctx, nsB, "ip", "neigh", "replace", "10.77.0.1", "lladdr", macA.String(), "dev", ifB)
	tagOK(t, err)
	tagOK(t, labs.AddVLANTagger(ctx, nsA, ifA, 5))
	if err := labs.AddVLANTagger(ctx, nsA, ifA, 6); err == nil {
		t.Errorf("second tagger on %s: got no error, want one", ifA)
	}

	// Frames A sends carry VLAN 5 on the wire.
	capture := startTagCapture(t, ctx, nsB, ifB, "vlan 5")
	for deadline := time.Now().Add(10 * time.Second); !capture.done() && time.Now().Before(deadline); {
		_, _ = labs.Exec(ctx, nsA, "ping", "-c", "1", "-W", "1", "10.77.0.2")
	}
	if got := capture.output(); !strings.Contains(got, "ethertype 802.1Q") || !strings.Contains(got, "vlan 5,") {
		t.Fatalf("capture on %s: got %q, want a frame tagged with VLAN 5", ifB, got)
	}

	// A drops what is not VLAN 5: untagged frames, then frames of VLAN 7.
	ping := func(ns, dst string) error {
		_, err := labs.Exec(ctx, ns, "ping", "-c", "1", "-W", "1", dst)
		return err
	}
	for _, vid := range []int{0, 7} {
		if vid != 0 {
			tagOK(t, labs.AddVLANTagger(ctx, nsB, ifB, vid))
		}
		if err := ping(nsB, "10.77.0.1"); err == nil {
			t.Errorf("B in VLAN %d pings A in VLAN 5: got an answer, want none", vid)
		}
		if got := icmpInEchos(t, ctx, nsA); got != 0 {
			t.Errorf("B in VLAN %d pings A in VLAN 5: A's IP stack got %d echo requests, want 0", vid, got)
		}
	}
	tagOK(t, labs.RemoveVLANTagger(ctx, nsB, ifB))
	if out, err := labs.Exec(ctx, nsB, "tc", "qdisc", "show", "dev", ifB); err != nil || strings.Contains(out, "clsact") {
		t.Errorf("after labs.RemoveVLANTagger: tc qdisc show: %q, %v; want no clsact qdisc", out, err)
	}

	// Both in VLAN 5: they talk, ARP included.
	tagOK(t, labs.AddVLANTagger(ctx, nsB, ifB, 5))
	// A's unanswered ARP requests of the first part left a failed entry
	// that would cost the first reply; start afresh.
	_, err = labs.Exec(ctx, nsA, "ip", "neigh", "flush", "dev", ifA)
	tagOK(t, err)
	if err := ping(nsB, "10.77.0.1"); err != nil {
		t.Errorf("B and A both in VLAN 5: %v", err)
	}
	if err := ping(nsA, "10.77.0.2"); err != nil {
		t.Errorf("A and B both in VLAN 5: %v", err)
	}
	if got := icmpInEchos(t, ctx, nsA); got == 0 {
		t.Errorf("A's IP stack got no echo request from B in the same VLAN")
	}
}

// tagCapture is a tcpdump running in a namespace until it has seen one frame.
type tagCapture struct {
	mu   sync.Mutex
	out  bytes.Buffer
	exit chan struct{}
}

func (c *tagCapture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.Write(p)
}

func (c *tagCapture) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

func (c *tagCapture) done() bool {
	select {
	case <-c.exit:
		return true
	case <-time.After(100 * time.Millisecond):
		return false
	}
}

// startTagCapture starts tcpdump for one frame matching filter and returns
// once it listens.
func startTagCapture(t *testing.T, ctx context.Context, ns, ifname, filter string) *tagCapture {
	t.Helper()
	c := &tagCapture{exit: make(chan struct{})}
	cmd := labs.Command(ctx, ns, "tcpdump", "-i", ifname, "-e", "-n", "-l", "-c", "1", filter)
	cmd.Stdout = c
	stderr, err := cmd.StderrPipe()
	tagOK(t, err)
	tagOK(t, cmd.Start())
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			if !once && strings.Contains(sc.Text(), "listening on") {
				close(listening)
				once = true
			}
		}
		_ = cmd.Wait()
		close(c.exit)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-c.exit
	})
	select {
	case <-listening:
	case <-c.exit:
		t.Fatalf("tcpdump on %s/%s exited before listening", ns, ifname)
	case <-ctx.Done():
		t.Fatalf("tcpdump on %s/%s: %v", ns, ifname, ctx.Err())
	}
	return c
}

// icmpInEchos returns how many ICMP echo requests a namespace's IP stack received.
func icmpInEchos(t *testing.T, ctx context.Context, ns string) int {
	t.Helper()
	out, err := labs.Exec(ctx, ns, "cat", "/proc/net/snmp")
	tagOK(t, err)
	var names []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "Icmp:" {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		for i, name := range names {
			if name == "InEchos" && i < len(f) {
				n, err := strconv.Atoi(f[i])
				tagOK(t, err)
				return n
			}
		}
	}
	t.Fatalf("no Icmp InEchos in %s's /proc/net/snmp: %q", ns, out)
	return 0
}

func tagOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
