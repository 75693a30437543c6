package labs

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// MRoute is one multicast route of `show ip mroute json`: (Source, Group),
// Source "*" for the shared tree.
type MRoute struct {
	Source, Group string
	IIF           string
	OIL           []string // outgoing interfaces, sorted
	Flags         string
}

// ParseMroutes reads `show ip mroute json`, sorted by group and source.
func ParseMroutes(out string) ([]MRoute, error) {
	var groups map[string]map[string]struct {
		IIF   string                     `json:"iif"`
		Flags string                     `json:"flags"`
		OIL   map[string]json.RawMessage `json:"oil"`
	}
	if err := json.Unmarshal([]byte(out), &groups); err != nil {
		return nil, fmt.Errorf("mroutes: %w", err)
	}
	var rs []MRoute
	for g, srcs := range groups {
		for s, e := range srcs {
			m := MRoute{Source: s, Group: g, IIF: e.IIF, Flags: e.Flags}
			for o := range e.OIL {
				m.OIL = append(m.OIL, o)
			}
			sort.Strings(m.OIL)
			rs = append(rs, m)
		}
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Group != rs[j].Group {
			return rs[i].Group < rs[j].Group
		}
		return rs[i].Source < rs[j].Source
	})
	return rs, nil
}

// ParsePIMNeighbors reads `show ip pim neighbor json`: the neighbours'
// addresses by interface.
func ParsePIMNeighbors(out string) (map[string][]string, error) {
	var ifs map[string]map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &ifs); err != nil {
		return nil, fmt.Errorf("pim neighbors: %w", err)
	}
	n := map[string][]string{}
	for i, ns := range ifs {
		for a := range ns {
			n[i] = append(n[i], a)
		}
		sort.Strings(n[i])
	}
	return n, nil
}

// Mroutes returns a router's multicast routes.
func (l *Lab) Mroutes(ctx context.Context, node string) ([]MRoute, error) {
	out, err := l.Vtysh(ctx, node, "show ip mroute json")
	if err != nil {
		return nil, err
	}
	return ParseMroutes(out)
}

// pimPeers returns, per PIM router, how many PIM neighbours it must have:
// one per other PIM router on each switch it shares with it.
func (t Topology) pimPeers() map[string]int {
	on := map[string][]string{} // switch -> PIM routers on it
	for _, r := range t.Routers {
		if r.PIM == nil {
			continue
		}
		for _, ri := range r.interfaces() {
			on[ri.Switch] = append(on[ri.Switch], r.Name)
		}
	}
	want := map[string]int{}
	for _, rs := range on {
		for _, r := range rs {
			want[r] += len(rs) - 1
		}
	}
	return want
}

// WaitPIM waits until every PIM router has a PIM adjacency with each PIM
// router it shares a switch with.
func (l *Lab) WaitPIM(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for node, want := range l.Topology.pimPeers() {
		err := WaitFor(ctx, 100*time.Millisecond, func() (bool, error) {
			out, err := l.Vtysh(ctx, node, "show ip pim neighbor json")
			if err != nil {
				return false, err
			}
			ns, err := ParsePIMNeighbors(out)
			got := 0
			for _, a := range ns {
				got += len(a)
			}
			if got < want {
				return false, fmt.Errorf("%d of %d PIM neighbours", got, want)
			}
			return err == nil, err
		})
		if err != nil {
			return wrap("router "+node, "wait for pim neighbours", err)
		}
	}
	return nil
}
