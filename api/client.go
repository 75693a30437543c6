package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Flows reads GET /v1/flows.
func (c *Client) Flows(ctx context.Context, q FlowQuery) ([]FlowEntry, error) {
	var fs []FlowEntry
	err := c.Get(ctx, "/v1/flows"+encodeQuery(q.Values()), &fs)
	return fs, err
}

// FlowDiff reads GET /v1/flows/diff for a bridge role ("" = both).
func (c *Client) FlowDiff(ctx context.Context, role string) ([]FlowDiff, error) {
	var d []FlowDiff
	err := c.Get(ctx, "/v1/flows/diff"+encodeQuery(FlowQuery{Role: role, Table: -1}.Values()), &d)
	return d, err
}

func encodeQuery(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// Trace reads GET /v1/trace.
func (c *Client) Trace(ctx context.Context, r TraceRequest) (TraceResult, error) {
	var res TraceResult
	err := c.Get(ctx, "/v1/trace"+encodeQuery(r.Values()), &res)
	return res, err
}

// MACs reads GET /v1/macs (vni 0: every VNI).
func (c *Client) MACs(ctx context.Context, vni uint32) ([]MACEntry, error) {
	v := url.Values{}
	if vni != 0 {
		v.Set("vni", strconv.FormatUint(uint64(vni), 10))
	}
	var ms []MACEntry
	err := c.Get(ctx, "/v1/macs"+encodeQuery(v), &ms)
	return ms, err
}

// Neigh reads GET /v1/neigh, the ARP suppression bindings (vni 0: every
// VNI).
func (c *Client) Neigh(ctx context.Context, vni uint32) ([]NeighEntry, error) {
	v := url.Values{}
	if vni != 0 {
		v.Set("vni", strconv.FormatUint(uint64(vni), 10))
	}
	var ns []NeighEntry
	err := c.Get(ctx, "/v1/neigh"+encodeQuery(v), &ns)
	return ns, err
}

// Client reads vtepd's local API.
type Client struct {
	Target string // api.listen of the vtepd: unix:PATH or tcp:HOST:PORT
	http   *http.Client
}

// NewClient returns a client for the vtepd listening at target.
func NewClient(target string) *Client {
	c := &Client{Target: target}
	// answers of 100,000 entries are read 64 KiB at a time, not 4
	tr := &http.Transport{ReadBufferSize: 64 << 10}
	if strings.HasPrefix(target, "unix:") {
		path := strings.TrimPrefix(target, "unix:")
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}
	}
	c.http = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	return c
}

func (c *Client) base() string {
	if strings.HasPrefix(c.Target, "unix:") {
		return "http://vtepd"
	}
	return "http://" + strings.TrimPrefix(c.Target, "tcp:")
}

// Get reads one endpoint (e.g. "/v1/status") into v.
func (c *Client) Get(ctx context.Context, path string, v any) error {
	return c.do(ctx, http.MethodGet, path, v)
}

// do sends one request without a body and decodes the answer into v; an
// answer other than 200 becomes an error carrying the server's message.
func (c *Client) do(ctx context.Context, method, path string, v any) error {
	resp, what, err := c.send(ctx, method, path, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("vtepd %s %s: bad reply: %w", c.Target, what, err)
	}
	return nil
}

// send sends one request without a body (with an Accept header unless
// accept is empty) and returns a 200 answer, whose body the caller
// closes, and how errors name the request; any other answer becomes an
// error carrying the server's message.
func (c *Client) send(ctx context.Context, method, path, accept string) (*http.Response, string, error) {
	what := path
	if method != http.MethodGet {
		what = method + " " + path
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base()+path, nil)
	if err != nil {
		return nil, what, fmt.Errorf("vtepd %s %s: %w", c.Target, what, err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, what, fmt.Errorf("vtepd at %s is not reachable (is vtepd running, and is api.listen this address?): %w", c.Target, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		var e struct {
			Error string `json:"error"`
		}
		_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e)
		return nil, what, fmt.Errorf("vtepd %s %s: %s: %s", c.Target, what, resp.Status, e.Error)
	}
	return resp, what, nil
}

// Probe reads a health endpoint (/healthz or /readyz) and returns its HTTP
// status code and body, whatever the code.
func (c *Client) Probe(ctx context.Context, path string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base()+path, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("vtepd at %s is not reachable: %w", c.Target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, "", fmt.Errorf("vtepd %s %s: read reply: %w", c.Target, path, err)
	}
	return resp.StatusCode, string(b), nil
}

// Status reads GET /v1/status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	err := c.Get(ctx, "/v1/status", &s)
	return s, err
}
