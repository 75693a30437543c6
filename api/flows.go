package api

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

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

// ParseFlowQuery reads bridge, vni and table from URL parameters.
func ParseFlowQuery(v url.Values) (FlowQuery, error) {
	q := FlowQuery{Role: v.Get("bridge"), Table: -1}
	switch q.Role {
	case "", BridgeOverlay, BridgeUnderlay:
	default:
		return q, fmt.Errorf("bridge %q: want %s or %s", q.Role, BridgeOverlay, BridgeUnderlay)
	}
	vni, err := parseVNI(v.Get("vni"))
	if err != nil {
		return q, err
	}
	q.VNI = vni
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

// parseVNI reads a vni parameter: "" is 0 (every network).
func parseVNI(s string) (uint32, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 || n > 0xffffff {
		return 0, fmt.Errorf("vni %q: want a number 1..16777215", s)
	}
	return uint32(n), nil
}
