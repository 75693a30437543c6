package agenttest

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/vtep/vtep/underlay"
)

// Unixctl is a fake of ovs-vswitchd's control socket. It keeps what OVS
// keeps for native tunnelling, in memory:
//
//   - the tunnel routing table: a "Cached" route per address of a bridge
//     (its host route and its subnet), and the "User" routes of
//     ovs/route/add, each replacing the route with the same prefix;
//   - the tunnel receive addresses (tnl/ports/show -v): every address of a
//     bridge, until a route through the bridge is deleted (OVS then drops
//     them, ovs-router.c rt_entry_delete__ -> tnl_port_map_delete_ipdev);
//     adding a route through it lists them again (ovs_router_insert__ ->
//     tnl_port_map_insert_ipdev);
//   - the tunnel neighbour cache (tnl/neigh/show, tnl/neigh/set).
//
// It answers ovs/route/show, ovs/route/add, ovs/route/del,
// ovs/route/lookup, tnl/ports/show -v, tnl/neigh/show, tnl/neigh/set and
// ofproto/trace (with the text SetTrace gives), in OVS 3.1's formats, and
// records every call.
type Unixctl struct {
	mu      sync.Mutex
	udpPort uint16                    // the VXLAN port OVS listens on
	addrs   map[string][]netip.Prefix // bridge -> its addresses
	deaf    map[string]bool           // bridges whose receive addresses OVS dropped
	routes  []fakeRoute               // user routes, in insertion order
	neigh   map[netip.Addr]Neighbor
	calls   []Call
	fail    map[string]error
	traceTx string
}

// Call is one command the fake was sent.
type Call struct {
	Command string
	Args    []string
}

// String shows the call as ovs-appctl's command line would.
func (c Call) String() string { return strings.TrimSpace(c.Command + " " + strings.Join(c.Args, " ")) }

// Neighbor is one entry of the tunnel neighbour cache.
type Neighbor struct {
	MAC    string
	Bridge string
}

type fakeRoute struct {
	prefix netip.Prefix
	dev    string
	gw     netip.Addr // invalid without a gateway
}

// NewUnixctl returns an ovs-vswitchd without bridge addresses or routes.
func NewUnixctl() *Unixctl {
	return &Unixctl{udpPort: 4789, addrs: map[string][]netip.Prefix{}, deaf: map[string]bool{},
		neigh: map[netip.Addr]Neighbor{}, fail: map[string]error{}}
}

// AddAddress gives a bridge's internal interface an address, as
// `ip addr add` does: OVS learns the cached routes and listens for tunnels
// on it.
func (u *Unixctl) AddAddress(bridge string, addr netip.Prefix) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.addrs[bridge] = append(u.addrs[bridge], addr)
}

// SetUDPPort sets the VXLAN port OVS listens on (4789 by default).
func (u *Unixctl) SetUDPPort(port uint16) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.udpPort = port
}

// Fail makes command fail with err from now on, changing nothing; a nil
// err makes it work again.
func (u *Unixctl) Fail(command string, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err == nil {
		delete(u.fail, command)
		return
	}
	u.fail[command] = err
}

// SetTrace sets what ofproto/trace answers.
func (u *Unixctl) SetTrace(out string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.traceTx = out
}

// Calls returns the calls made so far, in order.
func (u *Unixctl) Calls() []Call {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.calls)
}

// Count returns how many calls of command were made.
func (u *Unixctl) Count(command string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, c := range u.calls {
		if c.Command == command {
			n++
		}
	}
	return n
}

// UserRoutes returns the user routes as ovs/route/show prints them
// without the "User: " prefix and source, e.g. "239.1.1.1/32 dev br-phy
// GW 10.0.0.254", sorted.
func (u *Unixctl) UserRoutes() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []string
	for _, r := range u.routes {
		out = append(out, r.text())
	}
	slices.Sort(out)
	return out
}

// Listening reports whether OVS decapsulates tunnels sent to addr.
func (u *Unixctl) Listening(addr netip.Addr) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	for br, ps := range u.addrs {
		for _, p := range ps {
			if p.Addr() == addr && !u.deaf[br] {
				return true
			}
		}
	}
	return false
}

// Neighbors returns the tunnel neighbour cache.
func (u *Unixctl) Neighbors() map[netip.Addr]Neighbor {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make(map[netip.Addr]Neighbor, len(u.neigh))
	for k, v := range u.neigh {
		out[k] = v
	}
	return out
}

// Call runs one command as ovs-vswitchd would. An unknown command, or one
// OVS refuses, fails with an *underlay.CommandError carrying OVS's message.
func (u *Unixctl) Call(ctx context.Context, command string, args ...string) (string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.calls = append(u.calls, Call{Command: command, Args: slices.Clone(args)})
	if err := u.fail[command]; err != nil {
		return "", fmt.Errorf("ovs-vswitchd %s: %w", command, err)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("ovs-vswitchd %s: %w", command, err)
	}
	h, ok := unixctlCommands[command]
	if !ok {
		return "", &underlay.CommandError{Command: command, Args: args, Msg: "\"" + command + "\" is not a valid command"}
	}
	out, msg := h(u, args)
	if msg != "" {
		return "", &underlay.CommandError{Command: command, Args: args, Msg: msg}
	}
	return out, nil
}

// unixctlCommands are the commands the fake answers; each returns its
// output or OVS's error message.
var unixctlCommands = map[string]func(u *Unixctl, args []string) (string, string){
	"ovs/route/show":   func(u *Unixctl, _ []string) (string, string) { return u.showRoutes(), "" },
	"ovs/route/add":    (*Unixctl).addRoute,
	"ovs/route/del":    (*Unixctl).delRoute,
	"ovs/route/lookup": (*Unixctl).lookup,
	"tnl/ports/show":   func(u *Unixctl, _ []string) (string, string) { return u.showPorts(), "" },
	"tnl/neigh/show":   func(u *Unixctl, _ []string) (string, string) { return u.showNeighbors(), "" },
	"tnl/neigh/set":    (*Unixctl).setNeighbor,
	"ofproto/trace": func(u *Unixctl, args []string) (string, string) {
		if u.traceTx == "" {
			return "", "no such bridge"
		}
		return u.traceTx, ""
	},
}
