package ovsdb

import (
	"context"
	"fmt"
	"sort"
)

// ControllerStatus is what ovs-vswitchd reports about one controller of a
// bridge, from the Controller table's is_connected, role and status
// columns: whether the bridge is connected to it and, if not, why.
type ControllerStatus struct {
	Bridge      string
	Target      string
	IsConnected bool
	// Role is the controller's OpenFlow role (other, master, slave), empty
	// until ovs-vswitchd has set it.
	Role string
	// State is status:state, the connection's state in ovs-vswitchd:
	// VOID, BACKOFF, CONNECTING, ACTIVE or IDLE.
	State string
	// LastError is status:last_error, the last connection error, such as
	// "Connection refused".
	LastError string
	// Status is the whole status column (also sec_since_connect,
	// sec_since_disconnect, ...).
	Status map[string]string
	// Reason says in words why the bridge is not connected ("" when it is).
	Reason string
}

// NoStatusReason is the Reason of a controller that ovs-vswitchd has
// written no status for. Either it is not trying to connect to it at all:
// it refuses a unix socket target outside its run directory ("Not
// connecting to socket controller ... due to possibility for remote
// exploit" in its log only: OVS 3.1 leaves the status empty), and writes
// nothing while it is not running; or it has not written the status yet
// (it does so every few seconds, after the controller was added or
// ovsdb-server restarted).
const NoStatusReason = "ovs-vswitchd reports no status for it: it refuses a unix socket outside its " +
	"run directory (possible remote exploit, see its log), is not running, or has not reported yet"

// controllerStatusColumns are the Controller columns ControllerStatus reads.
var controllerStatusColumns = []string{"_uuid", "target", "is_connected", "role", "status"}

// ParseControllerStatus reads a Controller row of the bridge named bridge.
func ParseControllerStatus(bridge string, r Row) (ControllerStatus, error) {
	rr := rowReader{table: TableController, row: r}
	cs := ControllerStatus{
		Bridge: bridge, Target: rr.str("target"), IsConnected: rr.boolean("is_connected"),
		Role: rr.str("role"), Status: rr.strMap("status"),
	}
	cs.State, cs.LastError = cs.Status["state"], cs.Status["last_error"]
	switch {
	case cs.IsConnected:
	case cs.State == "":
		cs.Reason = NoStatusReason
	case cs.LastError != "":
		cs.Reason = "state " + cs.State + ", last error: " + cs.LastError
	default:
		cs.Reason = "state " + cs.State
	}
	return cs, rr.err
}

// ControllerStatus returns the status of each controller of the bridge,
// sorted by target. A bridge without controllers has none; a missing
// bridge is ErrNotFound.
func (c *Client) ControllerStatus(ctx context.Context, bridge string) ([]ControllerStatus, error) {
	what := fmt.Sprintf("read controller status of bridge %q", bridge)
	res, err := c.transact(ctx, what, []Op{
		Select{Table: TableBridge, Where: []Cond{Equal("name", bridge)}, Columns: []string{"_uuid", "name", "controller"}},
		Select{Table: TableController, Columns: controllerStatusColumns},
	})
	if err != nil {
		return nil, &OpError{Op: what, Err: err}
	}
	if len(res[0].Rows) == 0 {
		return nil, &OpError{Op: what, Err: fmt.Errorf("bridge %q: %w", bridge, ErrNotFound)}
	}
	b, err := ParseBridge(res[0].Rows[0])
	if err != nil {
		return nil, &OpError{Op: what, Err: err}
	}
	mine := make(map[UUID]bool, len(b.Controller))
	for _, u := range b.Controller {
		mine[u] = true
	}
	out := []ControllerStatus{}
	for _, r := range res[1].Rows {
		rr := rowReader{table: TableController, row: r}
		if u := rr.uuid("_uuid"); rr.err != nil || !mine[u] {
			continue
		}
		cs, err := ParseControllerStatus(bridge, r)
		if err != nil {
			return nil, &OpError{Op: what, Err: err}
		}
		out = append(out, cs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Target < out[j].Target })
	return out, nil
}
