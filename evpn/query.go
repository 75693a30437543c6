package evpn

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	api "github.com/osrg/gobgp/v4/api"
)

// PeerStatus is one BGP neighbour as vtepctl evpn peers shows it.
type PeerStatus struct {
	Address netip.Addr `json:"address"`
	ASN     uint32     `json:"asn"`
	// State is the BGP session state, lower case (idle, connect, active,
	// opensent, openconfirm, established).
	State string `json:"state"`
	// Uptime is how long the session has been established (0: it is not).
	Uptime time.Duration `json:"uptime"`
	// Received and Accepted count the EVPN routes from the neighbour.
	Received uint64 `json:"received"`
	Accepted uint64 `json:"accepted"`
	// EndOfRIB says the neighbour has sent all its EVPN routes since the
	// session came up (graceful restart's End-of-RIB marker).
	EndOfRIB bool `json:"end_of_rib"`
}

// Established reports whether the session is up.
func (p PeerStatus) Established() bool { return p.State == "established" }

// Peers returns the configured neighbours' sessions, by address. It
// returns when ctx ends even if the BGP server does not answer (GoBGP's
// management calls do not watch their context).
func (s *Speaker) Peers(ctx context.Context) ([]PeerStatus, error) {
	type answer struct {
		ps  []PeerStatus
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		ps, err := s.listPeers(ctx)
		ch <- answer{ps, err}
	}()
	select {
	case a := <-ch:
		return a.ps, a.err
	case <-ctx.Done():
		return nil, fmt.Errorf("evpn: list neighbours: the BGP server did not answer: %w", ctx.Err())
	}
}

func (s *Speaker) listPeers(ctx context.Context) ([]PeerStatus, error) {
	var out []PeerStatus
	err := s.bgp.ListPeer(ctx, &api.ListPeerRequest{EnableAdvertised: false}, func(p *api.Peer) {
		ps := PeerStatus{ASN: p.GetConf().GetPeerAsn(), State: "unknown"}
		ps.Address, _ = netip.ParseAddr(p.GetConf().GetNeighborAddress())
		if st := p.GetState(); st != nil {
			ps.State = strings.ToLower(strings.TrimPrefix(st.SessionState.String(), "SESSION_STATE_"))
		}
		if ps.Established() {
			if up := p.GetTimers().GetState().GetUptime(); up != nil {
				ps.Uptime = time.Since(up.AsTime()).Truncate(time.Second)
			}
		}
		for _, a := range p.GetAfiSafis() {
			if st := a.GetState(); st != nil && a.GetConfig().GetFamily().GetSafi() == api.Family_SAFI_EVPN {
				ps.Received, ps.Accepted = st.Received, st.Accepted
			}
		}
		out = append(out, ps)
	})
	if err != nil {
		return nil, fmt.Errorf("evpn: list neighbours: %w", err)
	}
	s.mu.Lock()
	for i := range out {
		out[i].EndOfRIB = out[i].Established() && s.eor[out[i].Address]
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b PeerStatus) int { return a.Address.Compare(b.Address) })
	return out, nil
}

// Routes returns the EVPN routes of the local networks: those received
// (with their neighbour) and those advertised (Peer invalid), sorted by
// VNI, type, MAC and VTEP.
func (s *Speaker) Routes() []Route {
	s.syncMu.Lock()
	out := make([]Route, 0, len(s.adv))
	for _, a := range s.adv {
		out = append(out, a.route)
	}
	s.syncMu.Unlock()
	s.mu.Lock()
	out = append(out, s.routes()...)
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b Route) int {
		switch {
		case a.VNI != b.VNI:
			return int(a.VNI) - int(b.VNI)
		case a.Type != b.Type:
			return int(a.Type) - int(b.Type)
		}
		if c := slices.Compare(a.MAC, b.MAC); c != 0 {
			return c
		}
		return a.VTEP.Compare(b.VTEP)
	})
	return out
}

// LocalSeq returns the sequence number this VTEP advertises mac of network
// vni with, and whether it advertises it.
func (s *Speaker) LocalSeq(vni uint32, mac net.HardwareAddr) (uint32, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seq, ok := s.macSeq[keyOf(vni, mac)]
	return seq, ok
}
