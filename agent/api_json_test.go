package agent

import (
	"bytes"
	"encoding/json"
	"runtime"
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

// TestReleaseLarge checks that writing a large list answer hands the memory
// freed since back to the operating system, and a small one does not force
// a collection.
func TestReleaseLarge(t *testing.T) {
	var ms runtime.MemStats
	// Allocated before counting, after a collection: nothing between the
	// two counts allocates, so only releaseLarge could collect.
	small := make([]int, largeAnswer-1)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	gcs := ms.NumGC
	releaseLarge(small)
	runtime.ReadMemStats(&ms)
	if ms.NumGC != gcs {
		t.Errorf("a small answer ran %d collections", ms.NumGC-gcs)
	}
	garbage := make([][]byte, 0, 64)
	for range 64 {
		garbage = append(garbage, make([]byte, 1<<20))
	}
	runtime.KeepAlive(garbage)
	garbage = nil
	runtime.GC() // the garbage is idle heap now, still held
	runtime.ReadMemStats(&ms)
	idle := ms.HeapIdle - ms.HeapReleased
	if idle < 32<<20 {
		t.Skipf("the runtime released the freed heap by itself (%d MB held)", idle>>20)
	}
	releaseLarge(make([]api.MACEntry, largeAnswer))
	runtime.ReadMemStats(&ms)
	if left := ms.HeapIdle - ms.HeapReleased; left > idle/2 {
		t.Errorf("after a large answer %d MB of idle heap still held (%d MB before)", left>>20, idle>>20)
	}
}
