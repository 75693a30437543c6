package labs

import (
	"context"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Parsers of iproute2 and iputils output. Lines of another shape are
// skipped: the commands print headers, blank lines and entries of kinds
// the labs do not look at.

// MDBEntry is one line of `bridge mdb show`: a port of a bridge that is a
// member of a multicast group.
type MDBEntry struct {
	Dev   string // the bridge
	Port  string // the member port
	Group string // the group address
	State string // temp, permanent, ... ("" when not printed)
}

// ParseMDB reads `bridge mdb show`, e.g.
// "dev br-ul port hv1 grp 239.1.1.1 temp". Lines without a port and a
// group are skipped.
func ParseMDB(out string) []MDBEntry {
	var es []MDBEntry
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		var e MDBEntry
		for i := 0; i < len(f); i++ {
			next := ""
			if i+1 < len(f) {
				next = f[i+1]
			}
			switch f[i] {
			case "dev":
				e.Dev = next
			case "port":
				e.Port = next
			case "grp":
				e.Group = next
			case "temp", "permanent":
				e.State = f[i]
				continue
			default:
				continue
			}
			i++
		}
		if e.Port != "" && e.Group != "" {
			es = append(es, e)
		}
	}
	return es
}

// GroupMembers returns the member ports of each group, sorted.
func GroupMembers(es []MDBEntry) map[string][]string {
	groups := map[string][]string{}
	for _, e := range es {
		groups[e.Group] = append(groups[e.Group], e.Port)
	}
	for _, ports := range groups {
		sort.Strings(ports)
	}
	return groups
}

// FDBEntry is one remote entry of a Linux VXLAN device's forwarding
// database (`bridge fdb show dev vxN`): a MAC behind a remote VTEP.
type FDBEntry struct {
	MAC net.HardwareAddr
	Dev string     // the VXLAN device ("" when not printed)
	Dst netip.Addr // the remote VTEP
	// ExternLearn marks an entry a control plane installed (FRR's EVPN
	// MACs: extern_learn) rather than one the kernel learned or was given.
	ExternLearn bool
}

// ParseFDB reads `bridge fdb show`, keeping the entries with a MAC and a
// remote VTEP ("MAC dev vx10 dst 10.0.0.1 self"). The all-zeros entries
// (where unknown destinations are flooded) and lines without a valid MAC
// or dst address are skipped.
func ParseFDB(out string) []FDBEntry {
	var es []FDBEntry
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 3 {
			continue
		}
		mac, err := net.ParseMAC(f[0])
		if err != nil || len(mac) != 6 || mac.String() == "00:00:00:00:00:00" {
			continue
		}
		e := FDBEntry{MAC: mac}
		for i := 1; i+1 < len(f); i++ {
			switch f[i] {
			case "dev":
				e.Dev = f[i+1]
			case "dst":
				if a, err := netip.ParseAddr(f[i+1]); err == nil {
					e.Dst = a
				}
			}
		}
		e.ExternLearn = slices.Contains(f[1:], "extern_learn")
		if e.Dst.IsValid() {
			es = append(es, e)
		}
	}
	return es
}

// ParseLinkNames returns the interface names in `ip -o link show` output
// ("5: hv1@if4: <...> ..." gives hv1).
func ParseLinkNames(out string) []string {
	var names []string
	for _, l := range strings.Split(out, "\n") {
		fields := strings.Fields(l)
		if len(fields) < 2 || !strings.HasSuffix(fields[0], ":") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSuffix(fields[1], ":"), "@")
		if name != "" {
			names = append(names, name)
		}
	}
	return names
}

// Neighbor is one entry of `ip neigh show`.
type Neighbor struct {
	IP    netip.Addr
	Dev   string
	MAC   net.HardwareAddr // nil while unresolved
	State string           // REACHABLE, STALE, FAILED, ...
}

// ParseNeigh reads `ip neigh show`, e.g.
// "192.168.10.2 dev eth0 lladdr 02:00:00:00:00:0b REACHABLE". Lines that do
// not start with an address are skipped.
func ParseNeigh(out string) []Neighbor {
	var ns []Neighbor
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		ip, err := netip.ParseAddr(f[0])
		if err != nil {
			continue
		}
		n := Neighbor{IP: ip}
		for i := 1; i < len(f); i++ {
			switch {
			case f[i] == "dev" && i+1 < len(f):
				n.Dev = f[i+1]
				i++
			case f[i] == "lladdr" && i+1 < len(f):
				n.MAC, _ = net.ParseMAC(f[i+1])
				i++
			case i == len(f)-1:
				n.State = f[i]
			}
		}
		ns = append(ns, n)
	}
	return ns
}

var pingSummaryRe = regexp.MustCompile(`(\d+) packets transmitted, (\d+) (?:packets )?received`)

// PingSummary is the summary line of ping's output.
type PingSummary struct {
	Line        string // the line as ping printed it
	Transmitted int
	Received    int
}

// ParsePing finds the summary in ping's output ("3 packets transmitted, 3
// received, 0% packet loss, time 401ms"); false when there is none.
func ParsePing(out string) (PingSummary, bool) {
	for _, l := range strings.Split(out, "\n") {
		m := pingSummaryRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		tx, err1 := strconv.Atoi(m[1])
		rx, err2 := strconv.Atoi(m[2])
		if err1 != nil || err2 != nil {
			continue
		}
		return PingSummary{Line: strings.TrimSpace(l), Transmitted: tx, Received: rx}, true
	}
	return PingSummary{}, false
}

// MDB reads the multicast database of the bridges in a namespace
// (`bridge mdb show`).
func MDB(ctx context.Context, netns string) ([]MDBEntry, error) {
	out, err := Exec(ctx, netns, "bridge", "mdb", "show")
	if err != nil {
		return nil, err
	}
	return ParseMDB(out), nil
}

// FDB reads the remote entries of a VXLAN device's forwarding database in
// a namespace (`bridge fdb show dev DEV`).
func FDB(ctx context.Context, netns, dev string) ([]FDBEntry, error) {
	out, err := Exec(ctx, netns, "bridge", "fdb", "show", "dev", dev)
	if err != nil {
		return nil, err
	}
	return ParseFDB(out), nil
}
