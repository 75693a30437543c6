package pipeline

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// advance moves every VTEP's clock forward (see pipelinetest's ageing).
func (f *fabric) advance(d time.Duration) {
	for _, sw := range f.vteps {
		sw.Advance(d)
	}
}

// A MAC's entry lives mac_ageing (300 s in these tests) after the MAC was
// last seen as a source, however much traffic goes towards it.
func TestSilentRemoteMACAgesOutDespiteTrafficTowardsIt(t *testing.T) {
	f := threeVTEPs(t)
	f.send("10.0.0.3", frame(vm1, 0, macC, broadcast)) // 10.0.0.1 learns macC behind 10.0.0.3
	toC := []hop{{"10.0.0.3", vm1, 0}}
	// macA sends to the silent macC every 10 s: unicast while the entry lives.
	for f.vteps["10.0.0.1"].Now() < 290*time.Second {
		f.advance(10 * time.Second)
		if got := f.send("10.0.0.1", frame(vm1, 0, macA, macC)); !reflect.DeepEqual(got, toC) || len(f.tunnel) != 1 {
			t.Fatalf("at %v: frame to macC reached %v (tunnel %v), want unicast to %v", f.vteps["10.0.0.1"].Now(), got, f.tunnel, toC)
		}
	}
	// Just past 300 s since macC last spoke: the entry is gone and frames to
	// macC flood again (to the local port and, through the group, to
	// 10.0.0.2 and 10.0.0.3), although they hit it every 10 s.
	f.advance(10*time.Second + time.Millisecond)
	got := f.send("10.0.0.1", frame(vm1, 0, macA, macC))
	if want := []hop{{"10.0.0.1", vm2, 0}, {"10.0.0.2", vm1, 5}, {"10.0.0.3", vm1, 0}}; !reflect.DeepEqual(got, want) {
		t.Errorf("after mac_ageing without frames from macC, its frames reached %v, want a flood to %v", got, want)
	}
	// macA kept speaking all along (as a source, to 10.0.0.3): its entry
	// there never expired, so macC's answer goes straight back.
	if got := f.send("10.0.0.3", frame(vm1, 0, macC, macA)); !reflect.DeepEqual(got, []hop{{"10.0.0.1", vm1, 0}}) || len(f.tunnel) != 1 {
		t.Errorf("answer to the speaking macA reached %v (tunnel %v), want unicast to 10.0.0.1 only", got, f.tunnel)
	}
}

// The black hole of a VM that moved and stays silent: its old local entry
// goes mac_ageing after its last frame, while others keep sending to it.
func TestMovedSilentVMLocalEntryAgesOut(t *testing.T) {
	f := threeVTEPs(t)
	f.send("10.0.0.1", frame(vm2, 0, macC, broadcast)) // macC on 10.0.0.1 port vm2, then moves away silently
	for f.vteps["10.0.0.1"].Now() < 295*time.Second {
		f.advance(5 * time.Second)
		if got := f.send("10.0.0.1", frame(vm1, 0, macA, macC)); !reflect.DeepEqual(got, []hop{{"10.0.0.1", vm2, 0}}) {
			t.Fatalf("at %v: frame to macC reached %v, want its old port", f.vteps["10.0.0.1"].Now(), got)
		}
	}
	f.advance(5*time.Second + time.Millisecond)
	got := f.send("10.0.0.1", frame(vm1, 0, macA, macC))
	if want := []hop{{"10.0.0.1", vm2, 0}, {"10.0.0.2", vm1, 5}, {"10.0.0.3", vm1, 0}}; !reflect.DeepEqual(got, want) {
		t.Errorf("after mac_ageing, frame to the moved macC reached %v, want a flood %v (reaching its new place)", got, want)
	}
}

// The cookie of a local MAC's entry names its port, so a departed port's
// entries (and only those) can be deleted by cookie.
func TestLearnedOnPortSelectsThatPortsMACs(t *testing.T) {
	f := threeVTEPs(t)
	f.send("10.0.0.1", frame(vm1, 0, macA, broadcast))
	f.send("10.0.0.1", frame(vm2, 0, macB, broadcast))
	f.send("10.0.0.1", frame(vm3, 0, macA, broadcast)) // macA in VNI 20 on vm3
	f.send("10.0.0.3", frame(vm1, 0, macC, broadcast)) // remote on 10.0.0.1, port = tunnel
	for _, tt := range []struct {
		port uint32
		want []string
	}{
		{vm1, []string{"02:00:00:00:00:0a vni 10"}},
		{vm2, []string{"02:00:00:00:00:0b vni 10"}},
		{vm3, []string{"02:00:00:00:00:0a vni 20"}},
		{tunnel, nil},
	} {
		value, mask := LearnedOnPort(tt.port)
		var got []string
		for _, fl := range f.vteps["10.0.0.1"].Flows(TableMAC) {
			if Cookie(fl.Cookie)&mask == value {
				got = append(got, macOf(t, fl.Match.String())+" vni "+fmt.Sprint(Cookie(fl.Cookie).VNI()))
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("port %d selects %q, want %q", tt.port, got, tt.want)
		}
	}
}

// macOf returns the dl_dst of a learned flow's match text.
func macOf(t *testing.T, match string) string {
	t.Helper()
	for _, part := range strings.Split(match, ",") {
		if v, ok := strings.CutPrefix(part, "dl_dst="); ok {
			return v
		}
	}
	t.Fatalf("no dl_dst in %s", match)
	return ""
}
