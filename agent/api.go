package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/internal/version"
	"github.com/vtep/vtep/ofapp"
)

// The local API: HTTP with JSON bodies on api.listen (a unix socket by
// default), read by vtepctl on the same hypervisor. It only reads.

// Status is the answer to GET /v1/status.
type Status struct {
	Version string `json:"version"`
	// Ready is true once vtepd has programmed its bridges completely once.
	Ready             bool            `json:"ready"`
	Bridge            string          `json:"bridge"`
	OverlayDPID       string          `json:"overlay_dpid"`
	OverlayConnected  bool            `json:"overlay_connected"`
	UnderlayBridge    string          `json:"underlay_bridge"`
	UnderlayConnected bool            `json:"underlay_connected"`
	LocalIP           string          `json:"local_ip"`
	FloodMode         string          `json:"flood_mode"`
	Peers             []string        `json:"peers,omitempty"`
	Networks          []NetworkStatus `json:"networks"`
	Ports             []PortStatus    `json:"ports"`
	GroupsJoined      []string        `json:"groups_joined"`
	PacketIns         uint64          `json:"packet_ins"`
	Health            Health          `json:"health"`
	// TunnelReceiveRepairs counts the times vtepd found OVS not listening
	// for VXLAN on the VTEP address and re-registered it.
	TunnelReceiveRepairs uint64 `json:"tunnel_receive_repairs"`
	Stats                Stats  `json:"stats"`
}

// NetworkStatus is one configured network.
type NetworkStatus struct {
	VNI     uint32   `json:"vni"`
	VLAN    uint16   `json:"vlan,omitempty"`
	Group   string   `json:"group,omitempty"`
	Subnets []string `json:"subnets,omitempty"`
}

// PortStatus is one VM port as vtepd last read it.
type PortStatus struct {
	Name   string   `json:"name"`
	OFPort uint32   `json:"ofport"`
	Tag    uint16   `json:"tag,omitempty"`
	Trunks []uint16 `json:"trunks,omitempty"`
	VNIs   []uint32 `json:"vnis"`
}

// Status returns vtepd's current state.
func (a *Agent) Status() Status {
	cfg := a.config()
	stats, st, _ := a.Snapshot()
	s := Status{
		Version:        version.Version,
		Bridge:         cfg.Bridge,
		OverlayDPID:    ofapp.DPIDString(a.overlayDPID),
		UnderlayBridge: cfg.Underlay.Bridge,
		LocalIP:        cfg.Underlay.LocalIP.String(),
		FloodMode:      string(cfg.Flood.Mode),
		PacketIns:      a.PacketIns(),
		Ready:          a.isReady(),
		Stats:          stats,
		Networks:       []NetworkStatus{},
		Ports:          []PortStatus{},
		GroupsJoined:   []string{},
		Health:         a.Health(),

		TunnelReceiveRepairs: a.TunnelRxRepairs(),
	}
	if a.ctrl != nil {
		_, s.OverlayConnected = a.ctrl.Switch(a.overlayDPID)
	}
	s.UnderlayConnected = a.underlaySw.Load() != nil
	for _, p := range cfg.Flood.Peers {
		s.Peers = append(s.Peers, p.String())
	}
	vlanVNI := map[uint16]uint32{}
	var subnetVNIs []uint32
	for _, n := range cfg.Networks {
		ns := NetworkStatus{VNI: n.VNI, VLAN: n.VLAN}
		if n.Group.IsValid() {
			ns.Group = n.Group.String()
		}
		for _, p := range n.Subnets {
			ns.Subnets = append(ns.Subnets, p.String())
		}
		if n.VLAN != 0 {
			vlanVNI[n.VLAN] = n.VNI
		}
		if len(n.Subnets) > 0 {
			subnetVNIs = append(subnetVNIs, n.VNI)
		}
		s.Networks = append(s.Networks, ns)
	}
	for _, p := range st.Ports {
		ps := PortStatus{Name: p.Name, OFPort: p.OFPort, Tag: p.Tag, Trunks: p.Trunks, VNIs: []uint32{}}
		switch {
		case p.Tag != 0:
			if v, ok := vlanVNI[p.Tag]; ok {
				ps.VNIs = append(ps.VNIs, v)
			}
		case len(p.Trunks) > 0:
			for _, t := range p.Trunks {
				if v, ok := vlanVNI[t]; ok {
					ps.VNIs = append(ps.VNIs, v)
				}
			}
		default:
			ps.VNIs = append(ps.VNIs, subnetVNIs...)
		}
		s.Ports = append(s.Ports, ps)
	}
	if a.igmp != nil {
		for _, g := range a.igmp.Groups() {
			s.GroupsJoined = append(s.GroupsJoined, g.String())
		}
		sort.Strings(s.GroupsJoined)
	}
	return s
}

// ServeAPI serves the local API on cfg.API.Listen until ctx ends. An empty
// listen address turns the API off.
func (a *Agent) ServeAPI(ctx context.Context) error {
	cfg := a.config()
	if cfg.API.Listen == "" {
		return nil
	}
	ln, err := listenAPI(cfg.API.Listen)
	if err != nil {
		return fmt.Errorf("api.listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, a.Status())
	})
	a.registerAPI(mux)
	a.registerHealth(mux)
	a.log.WithField("listen", cfg.API.Listen).Info("serving the local API")
	return serveHTTP(ctx, ln, mux, "api")
}

// serveHTTP serves handler on ln until ctx ends, then shuts the server down
// gracefully (2 s at most).
func serveHTTP(ctx context.Context, ln net.Listener, handler http.Handler, what string) error {
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// registerAPI is where further endpoints are added.
var registerHooks []func(*Agent, *http.ServeMux)

func (a *Agent) registerAPI(mux *http.ServeMux) {
	for _, h := range registerHooks {
		h(a, mux)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		logrus.WithError(err).Debug("api: write reply")
	}
}

func listenAPI(target string) (net.Listener, error) {
	if err := prepareSocketDir(target); err != nil {
		return nil, err
	}
	if strings.HasPrefix(target, "unix:") {
		path := strings.TrimPrefix(target, "unix:")
		if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
			if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
				c.Close()
				return nil, fmt.Errorf("%s is in use by another vtepd", path)
			}
			_ = os.Remove(path)
		}
		return net.Listen("unix", path)
	}
	return net.Listen("tcp", strings.TrimPrefix(target, "tcp:"))
}

// Client reads vtepd's local API.
type Client struct {
	Target string // api.listen of the vtepd: unix:PATH or tcp:HOST:PORT
	http   *http.Client
}

// NewClient returns a client for the vtepd listening at target.
func NewClient(target string) *Client {
	c := &Client{Target: target}
	tr := &http.Transport{}
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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base()+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("vtepd at %s is not reachable (is vtepd running, and is api.listen this address?): %w", c.Target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("vtepd %s %s: %s: %s", c.Target, path, resp.Status, e.Error)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("vtepd %s %s: bad reply: %w", c.Target, path, err)
	}
	return nil
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
