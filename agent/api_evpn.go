package agent

import (
	"context"
	"errors"
	"maps"
	"net"
	"net/netip"
	"slices"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/evpn"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
	"github.com/vtep/vtep/trace"
)

// errNoEVPN answers EVPN queries of a vtepd without evpn configured.
var errNoEVPN = errors.New("EVPN is not configured (evpn.asn)")

// EVPNPeers returns the BGP neighbours' sessions.
func (a *Agent) EVPNPeers(ctx context.Context) ([]api.EVPNPeer, error) {
	if a.evpn == nil {
		return nil, badRequest{errNoEVPN}
	}
	ps, err := a.evpn.sp.Peers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]api.EVPNPeer, 0, len(ps))
	for _, p := range ps {
		out = append(out, api.EVPNPeer{Address: p.Address.String(), ASN: p.ASN, State: p.State,
			Uptime: p.Uptime.Seconds(), Received: p.Received, Accepted: p.Accepted, EndOfRIB: p.EndOfRIB})
	}
	return out, nil
}

// EVPNRoutes returns the EVPN routes of the local networks: received and
// this VTEP's own.
func (a *Agent) EVPNRoutes(q api.EVPNRouteQuery) ([]api.EVPNRoute, error) {
	if a.evpn == nil {
		return nil, badRequest{errNoEVPN}
	}
	out := []api.EVPNRoute{}
	for _, r := range a.evpn.sp.Routes() {
		if (q.VNI != 0 && r.VNI != q.VNI) || (q.Type != 0 && uint8(r.Type) != q.Type) {
			continue
		}
		e := api.EVPNRoute{VNI: r.VNI, Type: uint8(r.Type), RD: r.RD, VTEP: r.VTEP.String(), Seq: r.Seq, Sticky: r.Sticky}
		if r.MAC != nil {
			e.MAC = r.MAC.String()
		}
		if r.IP.IsValid() {
			e.IP = r.IP.String()
		}
		if r.Peer.IsValid() {
			e.Peer = r.Peer.String()
		}
		out = append(out, e)
	}
	return out, nil
}

// VTEPs lists each network's remote VTEPs and where vtepd knows them from:
// EVPN routes, MACs learned from their frames, flood.peers.
func (a *Agent) VTEPs(ctx context.Context, vni uint32) ([]api.VTEPEntry, error) {
	cfg := a.config()
	type key struct {
		vni  uint32
		vtep netip.Addr
	}
	found := map[key]*api.VTEPEntry{}
	add := func(v uint32, ip netip.Addr, source string, macs int) {
		if vni != 0 && v != vni {
			return
		}
		e, ok := found[key{v, ip}]
		if !ok {
			e = &api.VTEPEntry{VNI: v, VTEP: ip.String()}
			found[key{v, ip}] = e
		}
		if !slices.Contains(e.Sources, source) {
			e.Sources = append(e.Sources, source)
		}
		e.MACs += macs
	}
	if a.evpn != nil {
		for v, r := range a.evpn.view() {
			for _, ip := range r.VTEPs {
				add(v, ip, api.SourceEVPN, 0)
			}
			for _, m := range r.MACs {
				add(v, m.VTEP, api.SourceEVPN, 1)
			}
		}
	}
	var d learnedDecoder
	err := a.eachLearned(ctx, pipeline.LearnedValue, pipeline.LearnedMask, 0, func(f *ofapp.FlowStats) error {
		if e, ok := d.decode(f, trace.Ports{}); ok && e.Remote {
			if ip, err := netip.ParseAddr(e.VTEP); err == nil {
				add(e.VNI, ip, api.SourceLearned, 1)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if cfg.Flood.Mode == config.FloodReplication {
		for _, n := range cfg.Networks {
			for _, p := range cfg.Flood.Peers {
				if !cfg.UsesEVPN(n.VNI) {
					add(n.VNI, p, api.SourceConfig, 0)
				}
			}
		}
	}
	keys := slices.Collect(maps.Keys(found))
	slices.SortFunc(keys, func(x, y key) int {
		if x.vni != y.vni {
			return int(x.vni) - int(y.vni)
		}
		return x.vtep.Compare(y.vtep)
	})
	out := make([]api.VTEPEntry, 0, len(keys))
	for _, k := range keys {
		e := found[k]
		slices.Sort(e.Sources)
		out = append(out, *e)
	}
	return out, nil
}

// view returns what the reconciles use of the received routes.
func (p *evpnPlane) view() map[uint32]evpn.Remote {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.remote
}

// evpnMACEntries adds to the learned entries the static MACs of secured
// ports and the MACs from EVPN, and the sequence of each local MAC this
// VTEP advertises.
func (a *Agent) evpnMACEntries(es []api.MACEntry, vni uint32, st pipeline.State, pi trace.Ports) []api.MACEntry {
	for i := range es {
		if es[i].Source == "" {
			es[i].Source = api.SourceLearned
		}
		if a.evpn != nil && !es[i].Remote {
			if mac, err := net.ParseMAC(es[i].MAC); err == nil {
				es[i].Seq, _ = a.evpn.sp.LocalSeq(es[i].VNI, mac)
			}
		}
	}
	for _, s := range pipeline.StaticMACs(st) {
		if vni == 0 || s.VNI == vni {
			es = append(es, api.MACEntry{MAC: s.MAC.String(), VNI: s.VNI, Port: pi.Name(s.Port), OFPort: s.Port,
				VLAN: pi.VLAN(s.Port, s.VNI), Source: api.SourceStatic})
		}
	}
	if a.evpn == nil {
		return es
	}
	for v, r := range a.evpn.view() {
		if vni != 0 && v != vni {
			continue
		}
		for _, m := range r.MACs {
			es = append(es, api.MACEntry{MAC: m.MAC.String(), VNI: v, Remote: true, VTEP: m.VTEP.String(),
				Port: pipeline.TunnelPortName, OFPort: st.TunnelPort, Source: api.SourceEVPN, Seq: m.Seq})
		}
	}
	return es
}
