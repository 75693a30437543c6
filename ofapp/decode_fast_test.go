package ofapp

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestDecodeCommonAsLibOpenflow checks that the direct decoder of common
// actions gives what the libOpenflow path gives, for every action the
// encoder makes (random values, registers, ports, fields) and for those
// encodings with bytes changed at random: same action, or both refuse.
func TestDecodeCommonAsLibOpenflow(t *testing.T) {
	g := randText{r: rand.New(rand.NewPCG(3, 4))}
	kinds := map[string]int{}
	for range 50000 {
		a := g.action()
		b, err := appendAction(nil, a)
		if err != nil {
			continue // a range the encoder refuses
		}
		for try := range 4 {
			c := append([]byte(nil), b...)
			if try > 0 { // keep type and length, change the rest
				for range 1 + g.r.IntN(3) {
					if len(c) > 4 {
						c[4+g.r.IntN(len(c)-4)] = byte(g.r.Uint32())
					}
				}
			}
			got, ok := decodeCommon(c[:len(c):len(c)])
			if !ok {
				continue
			}
			want, err := decodeActionLib(c[:len(c):len(c)])
			if err != nil {
				t.Fatalf("%x: decoded as %#v, libOpenflow refuses: %v", c, got, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%x: decoded as %#v, libOpenflow as %#v", c, got, want)
			}
			kinds[reflect.TypeOf(got).Name()]++
		}
	}
	for _, k := range []string{"Output", "PushVLAN", "PopVLAN", "Group", "SetVLANVID", "SetTunnelID", "SetTunnelDst", "SetIPv4Dst", "RegLoad", "Resubmit", "RawAction"} {
		if kinds[k] == 0 {
			t.Errorf("no %s decoded directly (decoded: %v)", k, kinds)
		}
	}
}

// TestFlowStatsDecodeLevels decodes the sample flows at each level: the
// counters-only and match-only readings agree with the full one on what
// they decode and leave the rest empty.
func TestFlowStatsDecodeLevels(t *testing.T) {
	want := sampleFlows()
	var body []byte
	for _, f := range want {
		body = appendFlowStatsEntry(body, &f)
	}
	full, err := decodeFlowStats(body, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, level := range []int{decodeCounters, decodeMatchOnly} {
		i := 0
		err := eachFlowStats(body, level, func(f *FlowStats) error {
			w := full[i]
			w.Actions, w.Goto, w.Meter = nil, 0, 0
			if level == decodeCounters {
				w.Match = nil
			}
			if !reflect.DeepEqual(*f, w) {
				t.Errorf("level %d, flow %d:\n got %+v\nwant %+v", level, i, *f, w)
			}
			i++
			return nil
		})
		if err != nil || i != len(want) {
			t.Errorf("level %d: %d flows, %v", level, i, err)
		}
	}
}
