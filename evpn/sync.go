package evpn

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/sirupsen/logrus"
)

// Remote is what the received routes say about one local EVPN network.
type Remote struct {
	// VTEPs announced the network (type 3): its BUM traffic goes to them.
	VTEPs []netip.Addr
	// MACs are the network's MACs behind other VTEPs, the winning route
	// of each (type 2), by MAC.
	MACs []Route
}

// SetNetworks sets the local EVPN networks. Their type-3 routes are
// advertised (and those of networks gone withdrawn) by the next Sync.
func (s *Speaker) SetNetworks(nets []Network) error {
	m := make(map[uint32]local, len(nets))
	byRT := make(map[string]uint32, len(nets))
	for _, n := range nets {
		l, err := newLocal(n, s.cfg.RouterID, s.cfg.LocalIP, s.cfg.ASN)
		if err != nil {
			return err
		}
		m[n.VNI] = l
		byRT[l.rt.String()] = n.VNI
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	same := maps.Equal(byRT, s.byRT)
	s.nets, s.byRT = m, byRT
	if !same {
		for k, rc := range s.received {
			rc.parse(byRT)
			s.received[k] = rc
		}
	}
	return nil
}

// routes returns the received routes usable for the local networks; the
// caller holds mu.
func (s *Speaker) routes() []Route {
	out := make([]Route, 0, len(s.received))
	for _, r := range s.received {
		if r.err == nil {
			out = append(out, r.route)
		}
	}
	return out
}

// Remote returns, per local EVPN network, the VTEPs and MACs the received
// routes give, leaving out MACs this VTEP advertises itself (its own entry
// wins).
func (s *Speaker) Remote() map[uint32]Remote {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[uint32]Remote, len(s.nets))
	for vni := range s.nets {
		out[vni] = Remote{}
	}
	routes := s.routes()
	for _, r := range routes {
		if r.Type == TypeIMET && r.VTEP != s.cfg.LocalIP {
			n := out[r.VNI]
			if !slices.Contains(n.VTEPs, r.VTEP) {
				n.VTEPs = append(n.VTEPs, r.VTEP)
			}
			out[r.VNI] = n
		}
	}
	for k, r := range bestRemote(routes, s.cfg.LocalIP) {
		if _, mine := s.macSeq[k]; mine {
			continue
		}
		n := out[r.VNI]
		n.MACs = append(n.MACs, r)
		out[r.VNI] = n
	}
	for vni, n := range out {
		slices.SortFunc(n.VTEPs, func(a, b netip.Addr) int { return a.Compare(b) })
		slices.SortFunc(n.MACs, func(a, b Route) int { return slices.Compare(a.MAC, b.MAC) })
		out[vni] = n
	}
	return out
}

// Sync advertises the local networks (type 3) and MACs (type 2, with the
// sequence numbers plan gives) and withdraws what is no longer local. It
// returns the local MACs a newer remote route has moved away: the caller
// deletes their learned entries.
func (s *Speaker) Sync(ctx context.Context, locals []LocalMAC) ([]LocalMAC, error) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	var usable []LocalMAC
	for _, m := range locals {
		if _, ok := s.nets[m.VNI]; ok && len(m.MAC) == 6 {
			usable = append(usable, m)
		}
	}
	want, evict := plan(usable, s.macSeq, bestRemote(s.routes(), s.cfg.LocalIP), s.cfg.LocalIP)
	paths := map[string]Route{}
	for vni, l := range s.nets {
		r := Route{Type: TypeIMET, VNI: vni, RD: l.rd.String(), VTEP: s.cfg.LocalIP}
		paths[r.Key()] = r
	}
	for _, m := range usable {
		k := keyOf(m.VNI, m.MAC)
		if seq, ok := want[k]; ok {
			r := Route{Type: TypeMAC, VNI: m.VNI, RD: s.nets[m.VNI].rd.String(), MAC: m.MAC, IP: m.IP, VTEP: s.cfg.LocalIP, Seq: seq, Sticky: m.Static}
			paths[r.Key()] = r
		}
	}
	s.macSeq = want
	nets := maps.Clone(s.nets)
	s.mu.Unlock()
	for _, m := range evict {
		s.log.WithFields(logrus.Fields{"vni": m.VNI, "mac": m.MAC.String()}).Info("MAC moved to another VTEP (newer EVPN route): local entry removed")
	}
	err := s.apply(nets, paths)
	if len(evict) > 0 {
		s.notify()
	}
	return evict, err
}

// apply withdraws the advertised routes not in want (or changed) and adds
// the routes of want not advertised yet, each in one call.
func (s *Speaker) apply(nets map[uint32]local, want map[string]Route) error {
	// Withdrawn by path, not by the UUID AddPath gave: GoBGP finds a UUID
	// only among the best paths, and a local path that another path of
	// the same NLRI outranks would never go.
	var del apiutil.DeletePathRequest
	var gone []string
	for key, a := range s.adv {
		if w, ok := want[key]; ok && w.Seq == a.route.Seq && w.Sticky == a.route.Sticky {
			continue
		}
		del.Paths = append(del.Paths, a.path)
		gone = append(gone, key)
	}
	if len(gone) > 0 {
		if err := s.bgp.DeletePath(del); err != nil {
			return fmt.Errorf("evpn: withdraw %d routes: %w", len(gone), err)
		}
		for _, k := range gone {
			delete(s.adv, k)
		}
	}
	var add apiutil.AddPathRequest
	var routes []Route
	for key, r := range want {
		if _, ok := s.adv[key]; ok {
			continue
		}
		p, err := s.path(nets[r.VNI], r)
		if err != nil {
			return err
		}
		add.Paths = append(add.Paths, p)
		routes = append(routes, r)
	}
	if len(add.Paths) == 0 {
		return nil
	}
	resps, err := s.bgp.AddPath(add)
	for i, resp := range resps {
		if resp.Error == nil && i < len(routes) {
			s.adv[routes[i].Key()] = advertisement{route: routes[i], path: add.Paths[i]}
		}
	}
	if err != nil {
		return fmt.Errorf("evpn: advertise %d routes: %w", len(add.Paths), err)
	}
	return nil
}

// path builds the GoBGP path of local route r.
func (s *Speaker) path(l local, r Route) (*apiutil.Path, error) {
	var nlri bgp.NLRI
	var attrs []bgp.PathAttributeInterface
	var err error
	if r.Type == TypeMAC {
		nlri, attrs, err = l.macRoute(r.VNI, r.MAC, r.IP, r.Seq, r.Sticky)
	} else {
		nlri, attrs, err = l.imetRoute(r.VNI)
	}
	if err != nil {
		return nil, err
	}
	return &apiutil.Path{Family: bgp.RF_EVPN, Nlri: nlri, Attrs: attrs, Age: s.started.Unix()}, nil
}
