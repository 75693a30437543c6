package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestEachRowClient: EachMAC and EachFlow ask for the row format and read
// it; they read a JSON answer (a vtepd without the row format) as well;
// a cut-short row answer is a bad reply; an error of fn comes back as it
// is.
func TestEachRowClient(t *testing.T) {
	var macRows, flowRows bytes.Buffer
	if err := WriteMACRows(&macRows, rowMACs); err != nil {
		t.Fatal(err)
	}
	if err := WriteFlowRows(&flowRows, rowFlows); err != nil {
		t.Fatal(err)
	}
	var accepts []string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/macs", func(w http.ResponseWriter, r *http.Request) {
		accepts = append(accepts, r.Header.Get("Accept"))
		switch r.URL.Query().Get("vni") {
		case "10": // a vtepd that knows only JSON
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[{"mac": "02:00:00:00:00:0a", "vni": 10, "port": "a", "source": "learned"}]`))
		case "20": // cut short
			w.Header().Set("Content-Type", RowsType+"; charset=utf-8")
			_, _ = w.Write(macRows.Bytes()[:macRows.Len()-4])
		default:
			w.Header().Set("Content-Type", RowsType+"; charset=utf-8")
			_, _ = w.Write(macRows.Bytes())
		}
	})
	mux.HandleFunc("GET /v1/flows", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", RowsType)
		_, _ = w.Write(flowRows.Bytes())
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := NewClient("tcp:" + strings.TrimPrefix(srv.URL, "http://"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ms []MACEntry
	collect := func(m *MACEntry) error {
		ms = append(ms, *m)
		return nil
	}
	if err := c.EachMAC(ctx, 0, collect); err != nil || !reflect.DeepEqual(ms, rowMACs) {
		t.Errorf("EachMAC rows: %+v, %v", ms, err)
	}
	if len(accepts) != 1 || accepts[0] != RowsType {
		t.Errorf("Accept %q, want %q", accepts, RowsType)
	}
	ms = nil
	want := []MACEntry{{MAC: "02:00:00:00:00:0a", VNI: 10, Port: "a", Source: SourceLearned}}
	if err := c.EachMAC(ctx, 10, collect); err != nil || !reflect.DeepEqual(ms, want) {
		t.Errorf("EachMAC of a JSON answer: %+v, %v", ms, err)
	}
	if err := c.EachMAC(ctx, 20, collect); err == nil || !strings.Contains(err.Error(), "bad reply") || !strings.Contains(err.Error(), "cut short") {
		t.Errorf("EachMAC of a cut answer: %v, want a bad reply cut short", err)
	}
	stop := errors.New("stdout closed")
	if err := c.EachMAC(ctx, 0, func(*MACEntry) error { return stop }); err != stop {
		t.Errorf("EachMAC with fn failing: %v, want fn's error as it is", err)
	}
	var fs []FlowEntry
	err := c.EachFlow(ctx, FlowQuery{Role: BridgeOverlay, Table: 30}, func(f *FlowEntry) error {
		fs = append(fs, *f)
		return nil
	})
	if err != nil || !reflect.DeepEqual(fs, rowFlows) {
		t.Errorf("EachFlow: %+v, %v", fs, err)
	}
}
