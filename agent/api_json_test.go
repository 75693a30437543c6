package agent

import (
	"bytes"
	"encoding/json"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/vtep/vtep/api"
)

// TestEncodeJSONAsEncoder checks that lists written element by element are
// byte for byte what json.Encoder writes, for empty, nil and long lists,
// values that need escaping, and non-lists.
func TestEncodeJSONAsEncoder(t *testing.T) {
	macs := []api.MACEntry{}
	for i := range 300 {
		macs = append(macs, api.MACEntry{VNI: uint32(i), MAC: "02:00:00:00:00:0a", Remote: i%2 == 0, VTEP: "10.0.0.2", Port: `<vm&"1">`, Age: 1.5, Hits: uint64(i)})
	}
	flows := []api.FlowEntry{{Bridge: "br-int", Match: "reg0=0xa/0xffffff,dl_dst=02:00:00:00:00:0a", Actions: "load:0x1->NXM_NX_REG3[0..15]"}}
	var nilList []api.MACEntry
	for _, v := range []any{macs, macs[:1], []api.MACEntry{}, nilList, flows, []string{"a", "b<"}, api.Status{}, map[string]int{"x": 1}, 3} {
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if err := encodeJSON(&got, v); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%T:\n got %q\nwant %q", v, got.String(), want.String())
		}
	}
}

// TestReleaseLarge checks that writing a large list answer hands the freed
// memory back to the operating system (debug.FreeOSMemory, once) and a
// small one does nothing, and that the release really shrinks the idle
// heap when the runtime still holds some.
func TestReleaseLarge(t *testing.T) {
	calls := 0
	freeOSMemory = func() { calls++; debug.FreeOSMemory() }
	defer func() { freeOSMemory = debug.FreeOSMemory }()
	releaseLarge(make([]int, largeAnswer-1))
	releaseLarge(api.Status{})
	if calls != 0 {
		t.Errorf("small answers released memory %d times", calls)
	}
	garbage := make([][]byte, 0, 64)
	for range 64 {
		garbage = append(garbage, make([]byte, 1<<20))
	}
	runtime.KeepAlive(garbage)
	garbage = nil
	runtime.GC() // the garbage is idle heap now, still held
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	idle := ms.HeapIdle - ms.HeapReleased
	releaseLarge(make([]api.MACEntry, largeAnswer))
	if calls != 1 {
		t.Fatalf("a large answer released memory %d times, want once", calls)
	}
	runtime.ReadMemStats(&ms)
	left := ms.HeapIdle - ms.HeapReleased
	switch {
	case idle < 32<<20:
		// the runtime's scavenger got there first: the call above is
		// what this case can check
		t.Logf("the runtime had released the freed heap by itself (%d MB held)", idle>>20)
	case left > idle/2:
		t.Errorf("after a large answer %d MB of idle heap still held (%d MB before)", left>>20, idle>>20)
	}
}
