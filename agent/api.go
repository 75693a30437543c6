package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/internal/sockfile"
	"github.com/vtep/vtep/internal/version"
	"github.com/vtep/vtep/ofapp"
)

// The local API: HTTP with JSON bodies on api.listen (a unix socket by
// default), read by vtepctl on the same hypervisor. It only reads.

// api.Status returns vtepd's current state.
func (a *Agent) Status() api.Status {
	cfg := a.config()
	stats, st, _ := a.Snapshot()
	s := api.Status{
		Version:        version.Version,
		Bridge:         cfg.Bridge,
		OverlayDPID:    ofapp.DPIDString(a.overlayDPID),
		UnderlayBridge: cfg.Underlay.Bridge,
		LocalIP:        cfg.Underlay.LocalIP.String(),
		FloodMode:      string(cfg.Flood.Mode),
		PacketIns:      a.PacketIns(),
		Ready:          a.isReady(),
		Stats:          stats,
		Networks:       []api.NetworkStatus{},
		Ports:          []api.PortStatus{},
		GroupsJoined:   []string{},
		Health:         a.Health(),

		TunnelReceiveRepairs: a.TunnelRxRepairs(),
	}
	s.OverlayConnected, s.UnderlayConnected = a.connected()
	for _, p := range cfg.Flood.Peers {
		s.Peers = append(s.Peers, p.String())
	}
	vlanVNI := map[uint16]uint32{}
	var subnetVNIs []uint32
	for _, n := range cfg.Networks {
		ns := api.NetworkStatus{VNI: n.VNI, VLAN: n.VLAN}
		if n.ARPSuppression != "off" {
			ns.ARPSuppression = n.ARPSuppression
		}
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
		ps := api.PortStatus{Name: p.Name, OFPort: p.OFPort, Tag: p.Tag, Trunks: p.Trunks, VNIs: []uint32{},
			MTU: p.MTU, Oversize: p.Oversize(st.Underlay)}
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
	s.UnderlayMTU = st.Underlay.MTU
	a.fillOVSDrops(&s)
	a.fillBUMDrops(&s)
	a.fillLearningPaused(&s)
	a.flaps.fillStatus(&s)
	s.Uplink = a.uplinkARP.status()
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

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := encodeJSON(w, v); err != nil {
		logrus.WithError(err).Debug("api: write reply")
	}
}

// encodeJSON writes v as indented JSON, as json.Encoder with an indent of
// two spaces does, byte for byte. A list is written one element at a time
// (the MAC table and dump-flows answer with 100,000 of them), so the
// encoding of the whole list is never held.
func encodeJSON(w io.Writer, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice || rv.Len() == 0 {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("[\n  ")
	for i := range rv.Len() {
		if i > 0 {
			bw.WriteString(",\n  ")
		}
		b, err := json.MarshalIndent(rv.Index(i).Interface(), "  ", "  ")
		if err != nil {
			return fmt.Errorf("encode element %d: %w", i, err)
		}
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
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
		return sockfile.Listen(path) // removes on close only its own socket
	}
	return net.Listen("tcp", strings.TrimPrefix(target, "tcp:"))
}
