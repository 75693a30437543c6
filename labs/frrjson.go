package labs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Parsers of FRR's JSON output (vtysh ... json) and the lab helpers that
// use them. Malformed output is an error, never a panic.

// BGPPeer is one neighbour of `show bgp l2vpn evpn summary json`.
type BGPPeer struct {
	Address  string
	State    string // "Established", "Active", "Idle (Admin)", ...
	RemoteAS uint32
	PfxRcd   int // routes received
}

// ParseBGPSummary reads `show bgp l2vpn evpn summary json`: the peers,
// sorted by address. Output without a "peers" object (no BGP instance)
// gives no peers.
func ParseBGPSummary(out string) ([]BGPPeer, error) {
	var s struct {
		Peers map[string]struct {
			State    string `json:"state"`
			RemoteAS uint32 `json:"remoteAs"`
			PfxRcd   int    `json:"pfxRcd"`
		} `json:"peers"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		return nil, fmt.Errorf("bgp summary: %w", err)
	}
	var peers []BGPPeer
	for a, p := range s.Peers {
		peers = append(peers, BGPPeer{Address: a, State: p.State, RemoteAS: p.RemoteAS, PfxRcd: p.PfxRcd})
	}
	sort.Slice(peers, func(i, j int) bool { return peers[i].Address < peers[j].Address })
	return peers, nil
}

// EVPNMAC is one MAC of `show evpn mac vni N json`.
type EVPNMAC struct {
	Type       string     // "local" or "remote"
	RemoteVTEP netip.Addr // remote MACs: the VTEP behind which it is
	Intf       string     // local MACs: the bridge port
	// LocalSeq and RemoteSeq are the MAC mobility sequence numbers of the
	// local advertisement and of the best remote route.
	LocalSeq, RemoteSeq uint32
}

// ParseEVPNMACs reads `show evpn mac vni N json`: MACs (lower case) by
// address.
func ParseEVPNMACs(out string) (map[string]EVPNMAC, error) {
	var s struct {
		MACs map[string]struct {
			Type       string `json:"type"`
			RemoteVTEP string `json:"remoteVtep"`
			Intf       string `json:"intf"`
			LocalSeq   uint32 `json:"localSequence"`
			RemoteSeq  uint32 `json:"remoteSequence"`
		} `json:"macs"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		return nil, fmt.Errorf("evpn macs: %w", err)
	}
	macs := map[string]EVPNMAC{}
	for m, e := range s.MACs {
		x := EVPNMAC{Type: e.Type, Intf: e.Intf, LocalSeq: e.LocalSeq, RemoteSeq: e.RemoteSeq}
		if e.RemoteVTEP != "" {
			a, err := netip.ParseAddr(e.RemoteVTEP)
			if err != nil {
				return nil, fmt.Errorf("evpn macs: %s: remoteVtep %q: %w", m, e.RemoteVTEP, err)
			}
			x.RemoteVTEP = a
		}
		macs[strings.ToLower(m)] = x
	}
	return macs, nil
}

// EVPNType3 is one inclusive-multicast (type-3) route of `show bgp l2vpn
// evpn route type multicast json`: the VTEP OriginIP floods the VNIs of
// its route targets.
type EVPNType3 struct {
	RD       string
	OriginIP netip.Addr
	RTs      []string // route targets, e.g. "RT:65000:10"
	PeerID   string   // the peer it came from ("(unspec)": local)
	Best     bool
}

// ParseEVPNType3 reads `show bgp l2vpn evpn route type multicast json`:
// every path of every type-3 route, sorted by origin and peer.
func ParseEVPNType3(out string) ([]EVPNType3, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &top); err != nil {
		return nil, fmt.Errorf("evpn type-3 routes: %w", err)
	}
	type path struct {
		RouteType int    `json:"routeType"`
		IP        string `json:"ip"`
		PeerID    string `json:"peerId"`
		Best      bool   `json:"bestpath"`
		ExtComm   struct {
			String string `json:"string"`
		} `json:"extendedCommunity"`
	}
	var routes []EVPNType3
	for rd, raw := range top {
		var prefixes map[string]json.RawMessage
		if json.Unmarshal(raw, &prefixes) != nil {
			continue // numPrefix, numPaths
		}
		for _, praw := range prefixes {
			var p struct {
				Paths [][]path `json:"paths"`
			}
			if json.Unmarshal(praw, &p) != nil {
				continue // "rd"
			}
			for _, alt := range p.Paths {
				for _, x := range alt {
					a, err := netip.ParseAddr(x.IP)
					if x.RouteType != 3 || err != nil {
						continue
					}
					var rts []string
					for _, c := range strings.Fields(x.ExtComm.String) {
						if strings.HasPrefix(c, "RT:") {
							rts = append(rts, c)
						}
					}
					routes = append(routes, EVPNType3{RD: rd, OriginIP: a, RTs: rts, PeerID: x.PeerID, Best: x.Best})
				}
			}
		}
	}
	sort.Slice(routes, func(i, j int) bool {
		if routes[i].OriginIP != routes[j].OriginIP {
			return routes[i].OriginIP.Less(routes[j].OriginIP)
		}
		return routes[i].PeerID < routes[j].PeerID
	})
	return routes, nil
}

// BGPPeers returns the EVPN BGP peers of an FRR node of the lab.
func (l *Lab) BGPPeers(ctx context.Context, node string) ([]BGPPeer, error) {
	out, err := l.Vtysh(ctx, node, "show bgp l2vpn evpn summary json")
	if err != nil {
		return nil, err
	}
	return ParseBGPSummary(out)
}

// WaitBGPEstablished waits until an FRR node's EVPN sessions with the
// given neighbours (all its neighbours when none is given) are Established.
func (l *Lab) WaitBGPEstablished(ctx context.Context, node string, neighbors ...string) error {
	err := WaitFor(ctx, 200*time.Millisecond, func() (bool, error) {
		peers, err := l.BGPPeers(ctx, node)
		if err != nil {
			return false, err
		}
		if len(peers) == 0 {
			return false, fmt.Errorf("no peers")
		}
		for _, p := range peers {
			if len(neighbors) > 0 && !slices.Contains(neighbors, p.Address) {
				continue
			}
			if p.State != "Established" {
				return false, fmt.Errorf("peer %s is %s", p.Address, p.State)
			}
		}
		return true, nil
	})
	return wrap("frr node "+node, "wait for bgp sessions", err)
}

// EVPNMACs returns what an FRR node's zebra knows of a VNI's MACs.
func (l *Lab) EVPNMACs(ctx context.Context, node string, vni int) (map[string]EVPNMAC, error) {
	out, err := l.Vtysh(ctx, node, "show evpn mac vni "+strconv.Itoa(vni)+" json")
	if err != nil {
		return nil, err
	}
	return ParseEVPNMACs(out)
}

// EVPNType3Routes returns the type-3 routes in an FRR node's BGP table.
func (l *Lab) EVPNType3Routes(ctx context.Context, node string) ([]EVPNType3, error) {
	out, err := l.Vtysh(ctx, node, "show bgp l2vpn evpn route type multicast json")
	if err != nil {
		return nil, err
	}
	return ParseEVPNType3(out)
}
