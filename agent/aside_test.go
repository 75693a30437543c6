package agent

import (
	"errors"
	"testing"

	"github.com/vtep/vtep/ofapp"
)

// TestAside: fn sees every flow read, in order, each with its own copy
// (the reader reuses its FlowStats), over many batches; a read's error
// comes back after fn has seen the flows read before it.
func TestAside(t *testing.T) {
	for _, n := range []int{0, 1, asideBatch, 20*asideBatch + 3} {
		var seen []uint64
		boom := errors.New("boom")
		err := aside(func(each func(*ofapp.FlowStats) error) error {
			var f ofapp.FlowStats // reused, as the switch's reader does
			for i := range n {
				f.Cookie = uint64(i)
				if err := each(&f); err != nil {
					return err
				}
			}
			return boom
		}, func(f *ofapp.FlowStats) { seen = append(seen, f.Cookie) })
		if err != boom {
			t.Errorf("%d flows: error %v, want the read's", n, err)
		}
		if len(seen) != n {
			t.Fatalf("%d flows: fn saw %d", n, len(seen))
		}
		for i, c := range seen {
			if c != uint64(i) {
				t.Fatalf("%d flows: flow %d was %d", n, i, c)
			}
		}
	}
}
