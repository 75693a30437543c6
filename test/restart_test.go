package test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// iperfResult is the part of `iperf3 -J` the tests read.
type iperfResult struct {
	Start struct {
		TCPMSSDefault int `json:"tcp_mss_default"`
	} `json:"start"`
	End struct {
		SumSent struct {
			Bytes       uint64  `json:"bytes"`
			Retransmits int     `json:"retransmits"`
			BitsPerSec  float64 `json:"bits_per_second"`
		} `json:"sum_sent"`
		SumReceived struct {
			Bytes      uint64  `json:"bytes"`
			BitsPerSec float64 `json:"bits_per_second"`
		} `json:"sum_received"`
	} `json:"end"`
	Error string `json:"error"`
}

// iperf runs an iperf3 server in one VM and a client for secs seconds in
// another, and returns the client's report.
func iperf(t testing.TB, r *labs.Running, client, server, serverIP string, secs int) iperfResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs+30)*time.Second)
	defer cancel()
	d, err := r.StartDaemon(ctx, server, "iperf3", "-s", "-1", "-B", serverIP)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if d.Running() {
			_ = d.Stop()
		}
	}()
	err = labs.WaitFor(ctx, 50*time.Millisecond, func() (bool, error) {
		out, err := r.Exec(ctx, server, "ss", "-ltn", "sport", "= :5201")
		return err == nil && strings.Contains(out, serverIP+":5201"), err
	})
	if err != nil {
		t.Fatalf("iperf3 server in %s did not listen: %v", server, err)
	}
	out, err := r.Exec(ctx, client, "iperf3", "-c", serverIP, "-t", fmt.Sprint(secs), "-J")
	var res iperfResult
	if jerr := json.Unmarshal([]byte(out), &res); jerr != nil || err != nil || res.Error != "" {
		t.Fatalf("iperf3 %s -> %s: %v %v %s\n%s", client, server, err, jerr, res.Error, out)
	}
	return res
}

// TestTCPAndRestart: TCP crosses the overlay at the 1450-byte VM MTU, and
// restarting vtepd during a ping loses nothing and changes no flow.
func TestTCPAndRestart(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	waitMembers(t, r, group, hypervisors(r)...)

	t.Run("mtu-1450", func(t *testing.T) {
		// 1422 bytes of ICMP payload + 28 = 1450: the largest inner packet,
		// a 1500-byte outer one. Don't fragment.
		mustExec(t, r, "a", "ping", "-c", "2", "-i", "0.2", "-M", "do", "-s", "1422", ipB)
	})
	t.Run("tcp", func(t *testing.T) {
		res := iperf(t, r, "a", "b", ipB, 3)
		t.Logf("iperf3 a -> b: %.0f Mbit/s, %d retransmits, MSS %d", res.End.SumReceived.BitsPerSec/1e6, res.End.SumSent.Retransmits, res.Start.TCPMSSDefault)
		if res.End.SumReceived.Bytes == 0 || res.End.SumReceived.Bytes > res.End.SumSent.Bytes {
			t.Errorf("iperf3: sent %d bytes, received %d", res.End.SumSent.Bytes, res.End.SumReceived.Bytes)
		}
		// MTU 1450 - 20 (IP) - 20 (TCP) - 12 (timestamps) = 1398.
		if res.Start.TCPMSSDefault != 1398 {
			t.Errorf("TCP MSS %d, want 1398 (MTU 1450 with timestamps)", res.Start.TCPMSSDefault)
		}
	})
	checkNoPacketIns(t, r)

	t.Run("restart", func(t *testing.T) {
		restarted := []string{"hv1", "hv2"}
		mustPing(t, r, "a", ipB, 2) // A and B learned on both VTEPs
		before := flowSnapshot(t, r, restarted)
		learnedB := func() uint64 {
			for _, f := range flows(t, r, "hv1", "br-int", "table=30") {
				if f.Fields["dl_dst"] == macB {
					return f.Packets
				}
			}
			return 0
		}
		start := learnedB()
		pingOut := make(chan string, 1)
		go func() {
			out, err := r.Exec(context.Background(), "a", "ping", "-i", "0.1", "-c", "60", "-W", "1", ipB)
			if err != nil {
				out += "\n" + err.Error()
			}
			pingOut <- out
		}()
		// The ping is under way once B's learned entry counts its packets.
		if err := labs.WaitFor(ctxT(t, 10*time.Second), 50*time.Millisecond, func() (bool, error) {
			return learnedB() >= start+5, nil
		}); err != nil {
			t.Fatalf("the ping does not reach B's learned entry on hv1: %v", err)
		}
		restartAt := time.Now()
		for _, hv := range restarted {
			if err := r.RestartVtepd(ctxT(t, 30*time.Second), hv, vtepdBin); err != nil {
				t.Fatal(err)
			}
			s := waitReconciled(t, r, hv)
			// The new vtepd found everything in place.
			if s.Stats.FlowMods != 0 || s.Stats.Bundles != 0 {
				t.Errorf("%s: restarted vtepd changed the switch: %d flow and group mods, %d bundles", hv, s.Stats.FlowMods, s.Stats.Bundles)
			}
		}
		var out string
		select {
		case out = <-pingOut:
		case <-time.After(30 * time.Second):
			t.Fatal("ping did not end")
		}
		if !strings.Contains(out, "60 packets transmitted, 60 received, 0% packet loss") {
			t.Errorf("ping during the restarts lost packets:\n%s", out)
		}
		sinceRestart := time.Since(restartAt)
		after := flowSnapshot(t, r, restarted)
		compareSnapshots(t, before, after, sinceRestart)
		waitMembers(t, r, group, hypervisors(r)...)
		checkNoPacketIns(t, r)
	})
}

// waitReconciled waits until a hypervisor's vtepd is connected to both
// bridges and its last reconcile succeeded, and returns its status.
func waitReconciled(t testing.TB, r *labs.Running, hv string) api.Status {
	t.Helper()
	var s api.Status
	err := labs.WaitFor(ctxT(t, 30*time.Second), 50*time.Millisecond, func() (bool, error) {
		var err error
		s, err = apiClient(r, hv).Status(context.Background())
		if err != nil {
			return false, err
		}
		st := s.Stats
		ok := s.OverlayConnected && s.UnderlayConnected && st.Reconciles > 0 &&
			(st.LastErrorTime.IsZero() || st.LastReconcile.After(st.LastErrorTime))
		return ok, nil
	})
	if err != nil {
		t.Fatalf("%s: vtepd did not reconcile after its restart: %v (status %+v)", hv, err, s)
	}
	return s
}

// snapFlow is a flow as a snapshot keeps it.
type snapFlow struct {
	Cookie   pipeline.Cookie
	Actions  string
	Duration time.Duration
}

// flowSnapshot records every flow of both bridges of some hypervisors by
// bridge and key.
func flowSnapshot(t testing.TB, r *labs.Running, hvs []string) map[string]snapFlow {
	t.Helper()
	snap := map[string]snapFlow{}
	for _, hv := range hvs {
		for _, br := range []string{labs.DefaultOverlayBridge, labs.DefaultUnderlayBridge} {
			for _, f := range flows(t, r, hv, br) {
				snap[hv+" "+br+" "+f.Key()] = snapFlow{Cookie: f.Cookie, Actions: f.Actions, Duration: f.Duration}
			}
		}
	}
	return snap
}

// compareSnapshots asserts that the same flows exist, with the same cookies
// and actions, and that each existed before the restart began: its age is
// at least the time since then (a flow deleted and added again, or
// replaced by an add, starts again from zero).
func compareSnapshots(t testing.TB, before, after map[string]snapFlow, sinceRestart time.Duration) {
	t.Helper()
	var keys []string
	for k := range before {
		keys = append(keys, k)
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	programmed, learned := 0, 0
	for _, k := range keys {
		b, inB := before[k]
		a, inA := after[k]
		switch {
		case !inA:
			t.Errorf("flow gone after the restart: %s", k)
		case !inB:
			t.Errorf("flow added by the restart: %s (%s)", k, a.Cookie)
		case a.Cookie != b.Cookie || a.Actions != b.Actions:
			t.Errorf("flow changed by the restart: %s\n  before %#x %s\n  after  %#x %s", k, uint64(b.Cookie), b.Actions, uint64(a.Cookie), a.Actions)
		case a.Duration < sinceRestart || a.Duration < b.Duration:
			t.Errorf("flow re-added during the restart: %s: age %v before, %v after, restart began %v ago", k, b.Duration, a.Duration, sinceRestart)
		default:
			if a.Cookie.Feature().Learned() {
				learned++
			} else if a.Cookie.IsVtep() {
				programmed++
			}
		}
	}
	if programmed == 0 || learned == 0 {
		t.Errorf("compared %d programmed and %d learned flows, want some of each", programmed, learned)
	}
	t.Logf("%d programmed and %d learned flows unchanged across the restarts", programmed, learned)
}
