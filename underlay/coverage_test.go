package underlay

import (
	"os"
	"slices"
	"testing"
)

// testdata/coverage_show.txt is OVS 3.1.0's coverage/show after crafted
// VXLAN frames with the I flag unset and with reserved bits set reached a
// userspace-datapath VTEP (8 frames, each counted per pass of the datapath).
func TestParseCoverageRecorded(t *testing.T) {
	b, err := os.ReadFile("testdata/coverage_show.txt")
	if err != nil {
		t.Fatal(err)
	}
	c := ParseCoverage(string(b))
	if len(c.Malformed) != 0 {
		t.Errorf("malformed lines in a real output: %q", c.Malformed)
	}
	if got := c.Totals["datapath_drop_tunnel_pop_error"]; got != 40 {
		t.Errorf("datapath_drop_tunnel_pop_error = %d, want 40", got)
	}
	if got := c.Totals["bridge_reconfigure"]; got != 16 {
		t.Errorf("bridge_reconfigure = %d, want 16", got)
	}
	d := c.TunnelDrops()
	want := map[string]uint64{"tunnel_pop_error": 40, "invalid_tunnel_port": 0, "rx_invalid_packet": 0, "invalid_tunnel_metadata": 0}
	if len(d) != len(want) {
		t.Fatalf("TunnelDrops = %v, want %v", d, want)
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("TunnelDrops[%s] = %d, want %d", k, d[k], v)
		}
	}
}

func TestParseCoverageMalformed(t *testing.T) {
	out := "Event coverage, avg rate over last: 5 seconds, last minute, last hour,  hash=1:\n" +
		"datapath_drop_tunnel_pop_error   0.0/sec     0.000/sec        0.0000/sec   total: 7\n" +
		"\n" +
		"garbage\n" +
		"datapath_drop_invalid_tnl_port   0.0/sec   total: x\n" +
		"datapath_drop_rx_invalid_packet  0.0/sec   total: -3\n" +
		"drop_action_invalid_tunnel_metadata 0.0/sec total: 18446744073709551616\n" +
		"total: 5\n" +
		"12 events never hit\n"
	c := ParseCoverage(out)
	want := []string{"garbage", "datapath_drop_invalid_tnl_port   0.0/sec   total: x",
		"datapath_drop_rx_invalid_packet  0.0/sec   total: -3",
		"drop_action_invalid_tunnel_metadata 0.0/sec total: 18446744073709551616", "total: 5"}
	if !slices.Equal(c.Malformed, want) {
		t.Errorf("Malformed = %q, want %q", c.Malformed, want)
	}
	if len(c.Totals) != 1 || c.Totals["datapath_drop_tunnel_pop_error"] != 7 {
		t.Errorf("Totals = %v", c.Totals)
	}
	if d := c.TunnelDrops(); d["tunnel_pop_error"] != 7 || d["invalid_tunnel_port"] != 0 {
		t.Errorf("TunnelDrops = %v", d)
	}
	if got := ParseCoverage(""); len(got.Totals) != 0 || len(got.Malformed) != 0 {
		t.Errorf("empty output: %+v", got)
	}
}

func TestTunnelDropReasons(t *testing.T) {
	want := []string{"invalid_tunnel_metadata", "invalid_tunnel_port", "rx_invalid_packet", "tunnel_pop_error"}
	if got := TunnelDropReasons(); !slices.Equal(got, want) {
		t.Errorf("TunnelDropReasons = %q, want %q", got, want)
	}
}
