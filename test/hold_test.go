package test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/underlay"
)

// outage is how long vtepd stays down in the restart tests: longer than
// the snooping underlay needs to drop a port that left a group (two
// last-member queries a second apart), so a membership that lapsed with
// vtepd would lose floods.
const outage = 3 * time.Second

// TestMembershipSurvivesRestarts: on an IGMP-snooping underlay, broadcast
// pings flooded to the group reach B on hv2 without a single loss while
// hv2's vtepd is killed (SIGKILL), stays down, and starts again; and across
// a graceful restart. The membership holder is adopted, not replaced.
func TestMembershipSurvivesRestarts(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	waitMembers(t, r, group, hypervisors(r)...)
	// Only B answers broadcast pings: every answer crossed hv2's membership.
	if err := labs.SetSysctl(r.Netns("b"), "net/ipv4/icmp_echo_ignore_broadcasts", "0"); err != nil {
		t.Fatal(err)
	}
	holder := underlay.HolderFilesIn(r.NodeDir("hv2"), labs.DefaultOverlayBridge).Pidfile
	pid, ok := labs.PidAlive(holder)
	if !ok {
		t.Fatalf("no membership holder running on hv2 (pidfile %s)", holder)
	}
	for _, tc := range []struct {
		name    string
		restart func(ctx context.Context) error
	}{
		{"kill-9", func(ctx context.Context) error {
			if err := r.CrashVtepd(ctx, "hv2"); err != nil {
				return err
			}
			<-time.After(outage) // the outage itself, not a wait for anything
			return r.StartVtepd(ctx, "hv2", vtepdBin)
		}},
		{"graceful", func(ctx context.Context) error { return r.RestartVtepd(ctx, "hv2", vtepdBin) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sent, got := broadcastPingAcross(t, r, 80, func() {
				ctx := ctxT(t, time.Minute)
				if err := tc.restart(ctx); err != nil {
					t.Fatal(err)
				}
				if err := r.WaitProgrammed(ctx, "hv2"); err != nil {
					t.Fatal(err)
				}
			})
			if got != sent {
				t.Errorf("broadcast pings across a %s restart of hv2's vtepd: %d sent, %d answered", tc.name, sent, got)
			}
			if now, ok := labs.PidAlive(holder); !ok || now != pid {
				t.Errorf("membership holder: pid %d (alive %v), want the adopted %d", now, ok, pid)
			}
			if s := status(t, r, "hv2"); strings.Join(s.GroupsJoined, ",") != group {
				t.Errorf("hv2 joined %v after the restart, want [%s]", s.GroupsJoined, group)
			}
		})
	}
}

// TestLeaveGroupsOnStop: a vtepd started with -leave-groups has its
// membership holder leave the groups and exit when it stops; the underlay
// then stops counting the hypervisor as a member.
func TestLeaveGroupsOnStop(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	waitMembers(t, r, group, hypervisors(r)...)
	ctx := ctxT(t, time.Minute)
	if err := r.Vtepds["hv3"].Stop(); err != nil {
		t.Fatal(err)
	}
	d, err := r.StartDaemon(ctx, "hv3", vtepdBin, "-config", filepath.Join(r.NodeDir("hv3"), "vtepd.yaml"), "-leave-groups")
	if err != nil {
		t.Fatal(err)
	}
	r.Vtepds["hv3"] = d
	if err := r.WaitProgrammed(ctx, "hv3"); err != nil {
		t.Fatal(err)
	}
	holder := underlay.HolderFilesIn(r.NodeDir("hv3"), labs.DefaultOverlayBridge).Pidfile
	pid, ok := labs.PidAlive(holder)
	if !ok {
		t.Fatalf("no membership holder on hv3")
	}
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := labs.WaitFor(ctx, 50*time.Millisecond, func() (bool, error) { return !labs.ProcessAlive(pid), nil }); err != nil {
		t.Fatalf("membership holder %d still runs after vtepd -leave-groups stopped: %v", pid, err)
	}
	if _, err := os.Stat(holder); !os.IsNotExist(err) {
		t.Errorf("holder pidfile %s: %v, want it removed", holder, err)
	}
	waitMembers(t, r, group, "hv1", "hv2")
}

var pingSummary = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)

// broadcastPingAcross sends count broadcast pings from A, 10 a second, and
// runs during once the first answers came back. It returns how many were
// sent and how many were answered.
func broadcastPingAcross(t *testing.T, r *labs.Running, count int, during func()) (sent, answered int) {
	t.Helper()
	ctx := ctxT(t, time.Duration(count)*time.Second)
	cmd := labs.Command(ctx, r.Netns("a"), "ping", "-b", "-n", "-i", "0.1", "-W", "1", "-c", strconv.Itoa(count), "192.168.10.255")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	var lines []string
	for sc.Scan() && !strings.Contains(sc.Text(), "icmp_seq=5 ") {
		lines = append(lines, sc.Text())
	}
	during()
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	_ = cmd.Wait() // ping exits 1 when an answer is missing: the summary says
	text := strings.Join(lines, "\n")
	m := pingSummary.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no ping summary:\n%s", text)
	}
	sent, _ = strconv.Atoi(m[1])
	answered, _ = strconv.Atoi(m[2])
	if sent != count {
		t.Fatalf("ping sent %d of %d:\n%s", sent, count, text)
	}
	return sent, answered
}
