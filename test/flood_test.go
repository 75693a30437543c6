package test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/pipeline"
)

// skipLine is what OVS logs, at INFO, for an output action naming the
// packet's input port.
const skipLine = "skipping output to input port"

// TestFloodSkipsNoInputPort runs labs/figure4.yaml, where VM a is hv1's only
// port of VNI 10: a flood of broadcasts from a passes hv1's flood flows and
// reaches b, yet hv1's ovs-vswitchd log has no "skipping output to input
// port" line, as no flood flow names the port a frame came in on.
func TestFloodSkipsNoInputPort(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	mustPing(t, r, "a", "192.168.10.2", 2)
	before := droppedBy(t, r, "hv1", uint8(pipeline.FeatureFlood))
	a := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0a}
	bcast := net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	const n = 200
	frames := make([][]byte, n)
	for i := range frames {
		frames[i] = ethernet(t, a, bcast)
	}
	sendFrames(t, r, "a", "eth0", frames...)
	var flooded uint64
	err := labs.WaitFor(ctxT(t, 20*time.Second), 100*time.Millisecond, func() (bool, error) {
		flooded = droppedBy(t, r, "hv1", uint8(pipeline.FeatureFlood)) - before
		return flooded >= n, nil
	})
	if err != nil {
		t.Fatalf("hv1's flood flows saw %d of %d broadcasts: %v", flooded, n, err)
	}
	mustPing(t, r, "a", "192.168.10.2", 2)
	logPath := filepath.Join(r.OVS["hv1"].Dir, "ovs-vswitchd.log")
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var skips []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, skipLine) {
			skips = append(skips, l)
		}
	}
	if len(skips) > 0 {
		t.Errorf("%s has %d %q lines after %d broadcasts, first: %s", logPath, len(skips), skipLine, flooded, skips[0])
	}
	t.Logf("%d broadcasts flooded on hv1, %d skip lines in %s", flooded, len(skips), logPath)
}
