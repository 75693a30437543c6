package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// The flow endpoints: GET /v1/flows (installed flows, decoded) and
// GET /v1/flows/diff (what vtepd would change).

// Bridge roles in the flow endpoints' "bridge" parameter.
const (
	BridgeOverlay  = "overlay"
	BridgeUnderlay = "underlay"
)

// FlowEntry is one flow read back from a switch with its cookie decoded.
type FlowEntry struct {
	Bridge      string  `json:"bridge"`
	Role        string  `json:"role"` // overlay or underlay
	Table       uint8   `json:"table"`
	TableName   string  `json:"table_name,omitempty"`
	Priority    uint16  `json:"priority"`
	Cookie      string  `json:"cookie"`
	Vtep        bool    `json:"vtep"` // the cookie is vtep's (false: someone else's flow)
	Feature     string  `json:"feature,omitempty"`
	VNI         uint32  `json:"vni,omitempty"`
	Learned     bool    `json:"learned"`
	Match       string  `json:"match"`
	Actions     string  `json:"actions"`
	IdleTimeout uint16  `json:"idle_timeout,omitempty"`
	HardTimeout uint16  `json:"hard_timeout,omitempty"`
	Duration    float64 `json:"duration_s"`
	Packets     uint64  `json:"n_packets"`
	Bytes       uint64  `json:"n_bytes"`
}

// FlowChange is one change of a FlowDiff.
type FlowChange struct {
	// Op is "add" (wanted, not installed), "replace" (installed with a
	// different cookie: actions or timeouts differ), "delete" (installed
	// with a programmed vtep cookie, not wanted), or a group operation.
	Op   string     `json:"op"`
	Flow *FlowEntry `json:"flow,omitempty"`
	Text string     `json:"text"`
}

// FlowDiff is the answer to GET /v1/flows/diff: per bridge, what turns the
// installed flows into the last pipeline result. Empty after a converged
// reconcile.
type FlowDiff struct {
	Bridge      string       `json:"bridge"`
	Role        string       `json:"role"`
	Generated   time.Time    `json:"generated"`
	LastResult  time.Time    `json:"last_reconcile"`
	Changes     []FlowChange `json:"changes"`
	NotChecked  string       `json:"not_checked,omitempty"` // why the bridge could not be compared
	WantedFlows int          `json:"wanted_flows"`
}

// FlowQuery selects flows: by bridge role ("" = both), VNI (0 = any) and
// table (-1 = any).
type FlowQuery struct {
	Role  string
	VNI   uint32
	Table int
}

// parseFlowQuery reads bridge, vni and table from URL parameters.
func parseFlowQuery(v url.Values) (FlowQuery, error) {
	q := FlowQuery{Role: v.Get("bridge"), Table: -1}
	switch q.Role {
	case "", BridgeOverlay, BridgeUnderlay:
	default:
		return q, fmt.Errorf("bridge %q: want %s or %s", q.Role, BridgeOverlay, BridgeUnderlay)
	}
	if s := v.Get("vni"); s != "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil || n == 0 || n > 0xffffff {
			return q, fmt.Errorf("vni %q: want a number 1..16777215", s)
		}
		q.VNI = uint32(n)
	}
	if s := v.Get("table"); s != "" {
		n, err := strconv.ParseUint(s, 10, 8)
		if err != nil || n > 254 {
			return q, fmt.Errorf("table %q: want a number 0..254", s)
		}
		q.Table = int(n)
	}
	return q, nil
}

// Values returns the query as URL parameters.
func (q FlowQuery) Values() url.Values {
	v := url.Values{}
	if q.Role != "" {
		v.Set("bridge", q.Role)
	}
	if q.VNI != 0 {
		v.Set("vni", strconv.FormatUint(uint64(q.VNI), 10))
	}
	if q.Table >= 0 {
		v.Set("table", strconv.Itoa(q.Table))
	}
	return v
}

// switchFor returns the connected switch of a bridge role and its name.
func (a *Agent) switchFor(role string) (*ofapp.Switch, string, error) {
	cfg := a.config()
	switch role {
	case BridgeOverlay:
		if a.ctrl == nil {
			return nil, cfg.Bridge, fmt.Errorf("overlay bridge %s: vtepd is not running its controller", cfg.Bridge)
		}
		sw, ok := a.ctrl.Switch(a.overlayDPID)
		if !ok {
			return nil, cfg.Bridge, fmt.Errorf("overlay bridge %s (dpid %s) is not connected", cfg.Bridge, ofapp.DPIDString(a.overlayDPID))
		}
		return sw, cfg.Bridge, nil
	case BridgeUnderlay:
		sw := a.underlaySw.Load()
		if sw == nil {
			return nil, cfg.Underlay.Bridge, fmt.Errorf("underlay bridge %s is not connected", cfg.Underlay.Bridge)
		}
		return sw, cfg.Underlay.Bridge, nil
	}
	return nil, "", fmt.Errorf("bridge %q: want %s or %s", role, BridgeOverlay, BridgeUnderlay)
}

// Flows reads the installed flows the query selects, decoded and sorted by
// bridge, table, priority (highest first) and match.
func (a *Agent) Flows(ctx context.Context, q FlowQuery) ([]FlowEntry, error) {
	roles := []string{BridgeOverlay, BridgeUnderlay}
	if q.Role != "" {
		roles = []string{q.Role}
	}
	out := []FlowEntry{}
	for _, role := range roles {
		sw, name, err := a.switchFor(role)
		if err != nil {
			return nil, err
		}
		var fs []ofapp.FlowStats
		if q.Table >= 0 {
			fs, err = sw.TableFlows(ctx, uint8(q.Table), 0, 0)
		} else {
			fs, err = sw.Flows(ctx, 0, 0)
		}
		if err != nil {
			return nil, fmt.Errorf("%s bridge %s: read flows: %w", role, name, err)
		}
		for _, f := range fs {
			e := NewFlowEntry(name, role, f)
			if q.VNI != 0 && e.VNI != q.VNI {
				continue
			}
			out = append(out, e)
		}
	}
	SortFlowEntries(out)
	return out, nil
}

// NewFlowEntry decodes one flow of a bridge in the given role.
func NewFlowEntry(bridge, role string, f ofapp.FlowStats) FlowEntry {
	e := flowEntryOf(bridge, role, f.Flow)
	e.Duration = f.Duration.Seconds()
	e.Packets, e.Bytes = f.Packets, f.Bytes
	return e
}

func flowEntryOf(bridge, role string, f ofapp.Flow) FlowEntry {
	c := pipeline.Cookie(f.Cookie)
	e := FlowEntry{
		Bridge:      bridge,
		Role:        role,
		Table:       f.Table,
		TableName:   tableName(role, f.Table),
		Priority:    f.Priority,
		Cookie:      fmt.Sprintf("0x%x", f.Cookie),
		Vtep:        c.IsVtep(),
		Match:       f.Match.String(),
		Actions:     f.ActionsString(),
		IdleTimeout: f.IdleTimeout,
		HardTimeout: f.HardTimeout,
	}
	if e.Vtep {
		e.Feature = c.Feature().String()
		e.VNI = c.VNI()
		e.Learned = c.Feature().Learned()
	}
	return e
}

// tableName names a table of a bridge in the given role.
func tableName(role string, id uint8) string {
	if role == BridgeUnderlay {
		for _, t := range pipeline.UnderlayTables() {
			if t.ID == id {
				return t.Name
			}
		}
		return ""
	}
	return pipeline.TableName(id)
}

// SortFlowEntries orders flows by bridge role (overlay first), table,
// priority (highest first), match and cookie.
func SortFlowEntries(es []FlowEntry) {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.Role != b.Role {
			return a.Role == BridgeOverlay
		}
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		if a.Priority != b.Priority {
			return a.Priority > b.Priority
		}
		if a.Match != b.Match {
			return a.Match < b.Match
		}
		return a.Cookie < b.Cookie
	})
}

// FlowDiffs compares each bridge's installed programmed flows (and the
// overlay's groups) with the last pipeline result, using Diff: the same
// rule the reconcile uses. A bridge that cannot be read is reported in
// NotChecked rather than failing the whole answer.
func (a *Agent) FlowDiffs(ctx context.Context, role string) ([]FlowDiff, error) {
	stats, _, res := a.Snapshot()
	roles := []string{BridgeOverlay, BridgeUnderlay}
	if role != "" {
		roles = []string{role}
	}
	out := []FlowDiff{}
	for _, r := range roles {
		d := FlowDiff{Role: r, Generated: time.Now(), LastResult: stats.LastReconcile, Changes: []FlowChange{}}
		sw, name, err := a.switchFor(r)
		d.Bridge = name
		if err != nil {
			d.NotChecked = err.Error()
			out = append(out, d)
			continue
		}
		if res.Overlay == nil {
			d.NotChecked = "vtepd has not completed a reconcile yet"
			out = append(out, d)
			continue
		}
		want, wantGroups := res.Overlay, res.Groups
		if r == BridgeUnderlay {
			want, wantGroups = res.Underlay, nil
		}
		d.WantedFlows = len(want)
		installed, err := sw.Flows(ctx, uint64(pipeline.ProgrammedValue), uint64(pipeline.ProgrammedMask))
		if err != nil {
			return nil, fmt.Errorf("%s bridge %s: read flows: %w", r, name, err)
		}
		var haveGroups []ofapp.GroupEntry
		if r == BridgeOverlay {
			gs, err := sw.Groups(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s bridge %s: read groups: %w", r, name, err)
			}
			for _, g := range gs {
				haveGroups = append(haveGroups, g.GroupEntry)
			}
		}
		d.Changes = describeDiff(name, r, installed, Diff(installed, want, haveGroups, wantGroups))
		out = append(out, d)
	}
	return out, nil
}

// describeDiff turns Diff's batch into changes an operator reads: an added
// flow whose key is installed (with another cookie) is a "replace".
func describeDiff(bridge, role string, installed []ofapp.FlowStats, b *ofapp.Batch) []FlowChange {
	have := map[ofapp.Key]bool{}
	for _, f := range installed {
		have[f.Key()] = true
	}
	out := []FlowChange{}
	for _, c := range b.Changes() {
		fc := FlowChange{Op: c.Op, Text: c.Text}
		if c.Flow != nil {
			e := flowEntryOf(bridge, role, *c.Flow)
			fc.Flow = &e
			switch c.Op {
			case "add flow":
				fc.Op = "add"
				if have[c.Flow.Key()] {
					fc.Op = "replace"
				}
			case "delete flow":
				fc.Op = "delete"
			}
		}
		out = append(out, fc)
	}
	return out
}

func init() {
	registerHooks = append(registerHooks, func(a *Agent, mux *http.ServeMux) {
		mux.HandleFunc("GET /v1/flows", func(w http.ResponseWriter, r *http.Request) {
			q, err := parseFlowQuery(r.URL.Query())
			if err != nil {
				writeError(w, http.StatusBadRequest, err)
				return
			}
			fs, err := a.Flows(r.Context(), q)
			if err != nil {
				writeError(w, http.StatusServiceUnavailable, err)
				return
			}
			writeJSON(w, fs)
		})
		mux.HandleFunc("GET /v1/flows/diff", func(w http.ResponseWriter, r *http.Request) {
			q, err := parseFlowQuery(r.URL.Query())
			if err != nil {
				writeError(w, http.StatusBadRequest, err)
				return
			}
			d, err := a.FlowDiffs(r.Context(), q.Role)
			if err != nil {
				writeError(w, http.StatusServiceUnavailable, err)
				return
			}
			writeJSON(w, d)
		})
	})
}

// writeError answers with an HTTP status and {"error": "..."}, which
// Client.Get turns into an error carrying the message.
func writeError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

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
