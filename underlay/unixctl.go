package underlay

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
)

// Unixctl is a client of ovs-vswitchd's control socket, the JSON-RPC channel
// ovs-appctl uses. It serves the commands OVS offers only there: its tunnel
// router (ovs/route/*) and neighbour cache (tnl/neigh/*).
type Unixctl struct {
	Path string // e.g. /var/run/openvswitch/ovs-vswitchd.ctl

	mu sync.Mutex
	id int
}

// Caller runs one ovs-vswitchd control command and returns its text
// output. *Unixctl is the real one; tests use fakes that keep OVS's tables
// in memory.
type Caller interface {
	Call(ctx context.Context, command string, args ...string) (string, error)
}

var _ Caller = (*Unixctl)(nil)

// CommandError is a command ovs-vswitchd answered with an error.
type CommandError struct {
	Command string
	Args    []string
	Msg     string
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("ovs-vswitchd %s %s: %s", e.Command, strings.Join(e.Args, " "), strings.TrimSpace(e.Msg))
}

type unixctlRequest struct {
	Method string   `json:"method"`
	Params []string `json:"params"`
	ID     int      `json:"id"`
}

type unixctlReply struct {
	Result *string          `json:"result"`
	Error  *json.RawMessage `json:"error"`
	ID     int              `json:"id"`
}

// Call runs one command and returns its text output. Each call uses its own
// connection, as ovs-appctl does, so a restarted vswitchd needs no reconnect.
func (u *Unixctl) Call(ctx context.Context, command string, args ...string) (string, error) {
	u.mu.Lock()
	u.id++
	id := u.id
	u.mu.Unlock()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", u.Path)
	if err != nil {
		return "", fmt.Errorf("ovs-vswitchd control socket %s: %w", u.Path, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if args == nil {
		args = []string{}
	}
	if err := json.NewEncoder(conn).Encode(unixctlRequest{Method: command, Params: args, ID: id}); err != nil {
		return "", fmt.Errorf("ovs-vswitchd %s: send: %w", command, err)
	}
	var rep unixctlReply
	if err := json.NewDecoder(conn).Decode(&rep); err != nil {
		return "", fmt.Errorf("ovs-vswitchd %s: read reply: %w", command, err)
	}
	if rep.ID != id {
		return "", fmt.Errorf("ovs-vswitchd %s: reply id %d, want %d", command, rep.ID, id)
	}
	if rep.Error != nil && string(*rep.Error) != "null" {
		var msg string
		if json.Unmarshal(*rep.Error, &msg) != nil {
			msg = string(*rep.Error)
		}
		return "", &CommandError{Command: command, Args: args, Msg: msg}
	}
	if rep.Result == nil {
		return "", nil
	}
	return *rep.Result, nil
}
