package agent

import (
	"encoding/json"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/underlay"
)

// fakeVswitchd answers every control-socket request with out as its result.
func fakeVswitchd(t *testing.T, out string) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "ovs-vswitchd.ctl")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			var req struct {
				ID int `json:"id"`
			}
			if json.NewDecoder(c).Decode(&req) == nil {
				_ = json.NewEncoder(c).Encode(map[string]any{"result": out, "error": nil, "id": req.ID})
			}
			c.Close()
		}
	}()
	return sock
}

func TestOVSTunnelDropsMetricsAndStatus(t *testing.T) {
	a := New(mustConfig(t, baseConfig), nil)
	a.unixctl = &underlay.Unixctl{Path: fakeVswitchd(t,
		"Event coverage, avg rate over last: 5 seconds, last minute, last hour,  hash=1:\n"+
			"datapath_drop_tunnel_pop_error   0.0/sec     0.000/sec        0.0000/sec   total: 15\n"+
			"datapath_drop_invalid_tnl_port   0.0/sec     0.000/sec        0.0000/sec   total: 2\n"+
			"90 events never hit\n")}
	want := `# TYPE vtepd_ovs_tunnel_drops_total counter
vtepd_ovs_tunnel_drops_total{reason="invalid_tunnel_metadata"} 0
vtepd_ovs_tunnel_drops_total{reason="invalid_tunnel_port"} 2
vtepd_ovs_tunnel_drops_total{reason="rx_invalid_packet"} 0
vtepd_ovs_tunnel_drops_total{reason="tunnel_pop_error"} 15
`
	if got := scrapeCollector(t, ovsDropsCollector{a: a}); !strings.Contains(got, want) {
		t.Errorf("scrape:\n%s\nwant:\n%s", got, want)
	}
	var s api.Status
	a.fillOVSDrops(&s)
	if s.OVSTunnelDrops["tunnel_pop_error"] != 15 || s.OVSTunnelDropsError != "" {
		t.Errorf("status: %v %q", s.OVSTunnelDrops, s.OVSTunnelDropsError)
	}
}

func TestOVSTunnelDropsUnreadable(t *testing.T) {
	a := New(mustConfig(t, baseConfig), nil)
	a.unixctl = &underlay.Unixctl{Path: filepath.Join(t.TempDir(), "none.ctl")}
	if got := scrapeCollector(t, ovsDropsCollector{a: a}); strings.Contains(got, "vtepd_ovs_tunnel_drops_total") {
		t.Errorf("metrics from an unreadable control socket:\n%s", got)
	}
	var s api.Status
	a.fillOVSDrops(&s)
	if s.OVSTunnelDrops != nil || !strings.Contains(s.OVSTunnelDropsError, "none.ctl") {
		t.Errorf("status: %v %q", s.OVSTunnelDrops, s.OVSTunnelDropsError)
	}
}

// scrapeCollector returns what one collector exposes, in the text format.
func scrapeCollector(t *testing.T, c prometheus.Collector) string {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}
