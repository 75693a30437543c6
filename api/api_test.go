package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseFlowQuery(t *testing.T) {
	tests := []struct {
		params, wantErr string
		want            FlowQuery
	}{
		{"", "", FlowQuery{Table: -1}},
		{"bridge=overlay&vni=10&table=30", "", FlowQuery{Role: BridgeOverlay, VNI: 10, Table: 30}},
		{"bridge=underlay", "", FlowQuery{Role: BridgeUnderlay, Table: -1}},
		{"bridge=br-int", `bridge "br-int": want overlay or underlay`, FlowQuery{}},
		{"vni=0", `vni "0"`, FlowQuery{}},
		{"vni=16777216", `vni "16777216"`, FlowQuery{}},
		{"vni=-1", `vni "-1"`, FlowQuery{}},
		{"table=255", `table "255"`, FlowQuery{}},
		{"table=x", `table "x"`, FlowQuery{}},
	}
	for _, tt := range tests {
		v, err := url.ParseQuery(tt.params)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseFlowQuery(v)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseFlowQuery(%q) error = %v, want %q", tt.params, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseFlowQuery(%q) = %+v, %v; want %+v", tt.params, got, err, tt.want)
		}
		if back, err := ParseFlowQuery(got.Values()); err != nil || back != got {
			t.Errorf("round trip of %+v = %+v, %v", got, back, err)
		}
	}
}

func TestHealthFailed(t *testing.T) {
	h := Health{Checks: []Check{{Name: "a", OK: true}, {Name: "b"}, {Name: "c", OK: true}, {Name: "d"}}}
	got := h.Failed()
	if len(got) != 2 || got[0].Name != "b" || got[1].Name != "d" {
		t.Errorf("Failed = %+v, want b and d", got)
	}
}

// TestClientAgainstServer: the client reads answers, turns error replies
// into errors carrying the server's message, refuses garbage, and Probe
// returns any status with its body.
func TestClientAgainstServer(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"bridge": "br-int", "health": {"healthy": true, "checks": [{"name": "programmed", "ok": true}]}}`))
	})
	mux.HandleFunc("GET /v1/macs", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error": "overlay bridge br-int is not connected"}`))
	})
	mux.HandleFunc("GET /v1/flows", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`[{"bridge": `)) // cut short
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"healthy": false}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := NewClient("tcp:" + strings.TrimPrefix(srv.URL, "http://"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.Status(ctx)
	if err != nil || s.Bridge != "br-int" || !s.Health.Healthy || len(s.Health.Checks) != 1 {
		t.Errorf("Status = %+v, %v", s, err)
	}
	if _, err := c.MACs(ctx, 10); err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "not connected") {
		t.Errorf("MACs on a 503: %v, want the status and the server's message", err)
	}
	if _, err := c.Flows(ctx, FlowQuery{Table: -1}); err == nil || !strings.Contains(err.Error(), "bad reply") {
		t.Errorf("Flows on a cut reply: %v, want bad reply", err)
	}
	code, body, err := c.Probe(ctx, "/readyz")
	if err != nil || code != http.StatusServiceUnavailable || body != `{"healthy": false}` {
		t.Errorf("Probe = %d %q %v", code, body, err)
	}
	down := NewClient("unix:/nonexistent/vtepd-api.sock")
	if _, err := down.Status(ctx); err == nil || !strings.Contains(err.Error(), "not reachable") {
		t.Errorf("Status of a vtepd that is not there: %v", err)
	}
}
