package agent

import (
	"context"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/vtep/vtep/agent/agenttest"
	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/pipeline"
)

// rawGet sends GET path with an Accept header to the API c reads and
// returns the answer's status, content type and body.
func rawGet(t *testing.T, c *api.Client, path, accept string) (int, string, string) {
	t.Helper()
	sock := strings.TrimPrefix(c.Target, "unix:")
	cl := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	req, err := http.NewRequest(http.MethodGet, "http://vtepd"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// TestLocalAPIRows: asked for the row format, /v1/macs and /v1/flows
// answer in it the same entries as in JSON; without the header, with
// another media type, and on every other endpoint the answer is JSON; and
// a bad request is still the JSON error the client reports.
func TestLocalAPIRows(t *testing.T) {
	r := newRig(t, rigConfig)
	r.mustConverge(t)
	r.over.Install(
		learned(pipeline.FeatureLearnedRemote, 10, "02:00:00:00:00:0b", setFieldReg(2, 0x0a000002), reg3(ofTunnel)).Flow,
		learned(pipeline.FeatureLearnedLocal, 10, "02:00:00:00:00:0a", setFieldReg(2, 0), reg3(ofVM1)).Flow)
	c := serveAPI(t, r)
	ctx := context.Background()

	want, err := c.MACs(ctx, 0)
	if err != nil || len(want) != 2 {
		t.Fatalf("MACs = %+v, %v", want, err)
	}
	var got []api.MACEntry
	if err := c.EachMAC(ctx, 0, func(m *api.MACEntry) error { got = append(got, *m); return nil }); err != nil {
		t.Fatal(err)
	}
	// ages move between the two reads
	for i := range got {
		got[i].Age, want[i].Age = 0, 0
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MACs in rows %+v\nin JSON %+v", got, want)
	}
	q := api.FlowQuery{Role: api.BridgeOverlay, Table: -1}
	wantFlows, err := c.Flows(ctx, q)
	if err != nil || len(wantFlows) < 10 {
		t.Fatalf("Flows = %d, %v", len(wantFlows), err)
	}
	var gotFlows []api.FlowEntry
	if err := c.EachFlow(ctx, q, func(f *api.FlowEntry) error { gotFlows = append(gotFlows, *f); return nil }); err != nil {
		t.Fatal(err)
	}
	api.SortFlowEntries(gotFlows)
	for i := range gotFlows {
		gotFlows[i].Duration, wantFlows[i].Duration = 0, 0
	}
	if !reflect.DeepEqual(gotFlows, wantFlows) {
		t.Errorf("flows in rows differ from JSON:\n%+v\n%+v", gotFlows, wantFlows)
	}

	for _, tt := range []struct{ path, accept, wantType, wantStart string }{
		{"/v1/macs", api.RowsType, api.RowsType, api.MACColumns + "\n"},
		{"/v1/macs", "application/json, text/tab-separated-values;q=0.5", api.RowsType, api.MACColumns + "\n"},
		{"/v1/flows?table=30", api.RowsType, api.RowsType, api.FlowColumns + "\n"},
		{"/v1/macs", "", "application/json", "[\n"},
		{"/v1/macs", "text/csv", "application/json", "[\n"},
		{"/v1/macs", "text/tab-separated-values-x", "application/json", "[\n"},
		{"/v1/status", api.RowsType, "application/json", "{\n"},
		{"/v1/flows/diff", api.RowsType, "application/json", "[\n"},
	} {
		code, ct, body := rawGet(t, c, tt.path, tt.accept)
		if code != 200 || !strings.HasPrefix(ct, tt.wantType) || !strings.HasPrefix(body, tt.wantStart) {
			t.Errorf("GET %s (Accept %q) = %d %q %.40q, want %s starting %q", tt.path, tt.accept, code, ct, body, tt.wantType, tt.wantStart)
		}
	}
	if code, ct, body := rawGet(t, c, "/v1/flows?vni=0", api.RowsType); code != 400 || ct != "application/json" || !strings.Contains(body, `"error"`) {
		t.Errorf("bad flow request asking for rows = %d %q %q, want a 400 in JSON", code, ct, body)
	}
	if code, ct, body := rawGet(t, c, "/v1/macs?vni=0", api.RowsType); code != 400 || ct != "application/json" || !strings.Contains(body, `"error"`) {
		t.Errorf("bad request asking for rows = %d %q %q, want a 400 in JSON", code, ct, body)
	}
}

// TestAcceptsRows reads Accept headers: a list of media ranges, with
// parameters, over one header or several.
func TestAcceptsRows(t *testing.T) {
	for _, tt := range []struct {
		accept []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"*/*"}, false},
		{[]string{api.RowsType}, true},
		{[]string{"Text/Tab-Separated-Values; charset=utf-8"}, true},
		{[]string{"application/json", "text/tab-separated-values"}, true},
		{[]string{"application/json;q=1, text/tab-separated-values;q=0.1"}, true},
		{[]string{"text/tab-separated-values-x"}, false},
		{[]string{";;;,,,"}, false},
	} {
		if got := acceptsRows(tt.accept); got != tt.want {
			t.Errorf("acceptsRows(%q) = %v, want %v", tt.accept, got, tt.want)
		}
	}
}

// TestLocalAPIFlowRowsErrors: a bridge that is not connected is a 503
// before any row, as in JSON; a read that fails once the answer has begun
// ends it with an error line, which the client reports with the server's
// message.
func TestLocalAPIFlowRowsErrors(t *testing.T) {
	r := newRig(t, rigConfig)
	r.mustConverge(t)
	c := serveAPI(t, r)
	ctx := context.Background()
	r.over.Fail(agenttest.OpFlows, errBoom)
	n := 0
	err := c.EachFlow(ctx, api.FlowQuery{Table: -1}, func(*api.FlowEntry) error { n++; return nil })
	if err == nil || !strings.Contains(err.Error(), "/v1/flows: failed after 0 rows: overlay bridge br-int: read flows: ") ||
		!strings.HasSuffix(err.Error(), errBoom.Error()) || strings.Contains(err.Error(), "bad reply") || n != 0 {
		t.Errorf("flows of an unreadable bridge: %d rows, %v", n, err)
	}
	r.switches.connect(true, false)
	err = c.EachFlow(ctx, api.FlowQuery{Table: -1}, func(*api.FlowEntry) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "underlay bridge br-phy is not connected") {
		t.Errorf("flows of a disconnected bridge: %v, want a 503 naming it", err)
	}
}
