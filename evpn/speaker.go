package evpn

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
	"github.com/sirupsen/logrus"
)

// Config is what the speaker needs: who it is and whom it talks to.
type Config struct {
	// ASN is this VTEP's autonomous system number.
	ASN uint32
	// RouterID is the BGP router ID; LocalIP the VTEP address, the next
	// hop of every route and the source of every session.
	RouterID, LocalIP netip.Addr
	// ListenPort is the BGP port to accept sessions on; -1: none (only
	// outgoing sessions).
	ListenPort int32
	// Neighbors are the BGP peers (route reflectors or other VTEPs).
	Neighbors []Neighbor
	// RestartTime is the graceful restart time announced to the peers:
	// how long they keep this VTEP's routes while it restarts.
	RestartTime time.Duration
	// ConnectRetry is how long to wait between connection attempts.
	ConnectRetry time.Duration
}

// Neighbor is one BGP peer.
type Neighbor struct {
	Address netip.Addr
	ASN     uint32
	// Port is the neighbour's BGP port (0: 179).
	Port uint16
	// Password is the TCP MD5 signature key (RFC 2385); empty: none.
	Password string
}

// evpnFamily is L2VPN EVPN (AFI 25, SAFI 70).
var evpnFamily = &api.Family{Afi: api.Family_AFI_L2VPN, Safi: api.Family_SAFI_EVPN}

// Speaker is an embedded GoBGP server speaking L2VPN EVPN for this VTEP:
// it advertises the local networks (type 3) and MACs (type 2), keeps the
// best routes received, and says when they change.
type Speaker struct {
	cfg Config
	bgp *server.BgpServer
	log *logrus.Entry

	syncMu   sync.Mutex               // held by Sync: adv
	mu       sync.Mutex               // the rest
	nets     map[uint32]local         // local EVPN networks
	byRT     map[string]uint32        // route target -> VNI
	received map[string]received      // best received paths by NLRI
	adv      map[string]advertisement // local routes by Route.Key
	macSeq   map[macKey]uint32        // sequence of each advertised MAC
	eor      map[netip.Addr]bool      // neighbours whose End-of-RIB came since their session came up
	changed  chan struct{}
	cancel   context.CancelFunc
	started  time.Time
	stopOnce sync.Once
}

// received is one best path from a neighbour, parsed once with the local
// networks of that time (again when they change, see SetNetworks).
type received struct {
	nlri  bgp.NLRI
	attrs []bgp.PathAttributeInterface
	peer  netip.Addr
	route Route // valid when err is nil
	err   error // why vtep cannot use it (ErrRoute)
}

type advertisement struct {
	route Route
	path  *apiutil.Path // as added, to withdraw it
}

// New makes a speaker; Start runs it.
func New(cfg Config, log *logrus.Entry) *Speaker {
	return &Speaker{
		cfg: cfg, log: log,
		nets: map[uint32]local{}, byRT: map[string]uint32{},
		received: map[string]received{}, adv: map[string]advertisement{}, macSeq: map[macKey]uint32{}, eor: map[netip.Addr]bool{},
		changed: make(chan struct{}, 1),
	}
}

// Changed is signalled (without blocking, coalesced) whenever the received
// routes or a session change.
func (s *Speaker) Changed() <-chan struct{} { return s.changed }

func (s *Speaker) notify() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// Start starts the BGP server, its sessions and the watch on its table.
func (s *Speaker) Start(ctx context.Context) error {
	s.bgp = server.NewBgpServer(server.LoggerOption(newSlog(s.log), nil))
	go s.bgp.Serve()
	g := &api.Global{Asn: s.cfg.ASN, RouterId: s.cfg.RouterID.String(), ListenPort: s.cfg.ListenPort}
	if s.cfg.ListenPort >= 0 {
		g.ListenAddresses = []string{s.cfg.LocalIP.String()}
	}
	if err := s.bgp.StartBgp(ctx, &api.StartBgpRequest{Global: g}); err != nil {
		s.bgp.Stop()
		return fmt.Errorf("evpn: start BGP (ASN %d, router ID %s): %w", s.cfg.ASN, s.cfg.RouterID, err)
	}
	wctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.started = time.Now()
	// One watcher for all three: GoBGP queues a neighbour's End-of-RIB
	// after the best paths of the updates before it.
	cb := server.WatchEventMessageCallbacks{OnBestPath: s.onBest, OnPeerUpdate: s.onPeer, OnPathEor: s.onEOR}
	if err := s.bgp.WatchEvent(wctx, cb, server.WatchBestPath(true), server.WatchPeer(), server.WatchEor(true)); err != nil {
		s.Stop()
		return fmt.Errorf("evpn: watch BGP table: %w", err)
	}
	for _, n := range s.cfg.Neighbors {
		if err := s.bgp.AddPeer(ctx, &api.AddPeerRequest{Peer: s.peer(n)}); err != nil {
			s.Stop()
			return fmt.Errorf("evpn: neighbour %s (AS %d): %w", n.Address, n.ASN, err)
		}
	}
	s.log.WithFields(logrus.Fields{"asn": s.cfg.ASN, "router_id": s.cfg.RouterID, "neighbors": len(s.cfg.Neighbors)}).Info("BGP EVPN speaker started")
	return nil
}

// peer is the GoBGP configuration of neighbour n: L2VPN EVPN only, from the
// VTEP address, with graceful restart as a restarting speaker
// (LocalRestarting): the OPEN says EVPN forwarding state was preserved
// (the OpenFlow flows outlive vtepd), so a helper keeps this VTEP's routes
// as stale until this VTEP has sent its own again and End-of-RIB, which it
// does once it has the peer's End-of-RIB (or after DeferralTime). FRR
// keeps no EVPN routes across a restart (its NSF covers unicast,
// multicast and VPN families only); for it the deferral costs the time
// its End-of-RIB takes.
func (s *Speaker) peer(n Neighbor) *api.Peer {
	retry := uint64(max(s.cfg.ConnectRetry/time.Second, 1))
	restart := uint32(max(s.cfg.RestartTime/time.Second, 1))
	return &api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: n.Address.String(), PeerAsn: n.ASN, AuthPassword: n.Password},
		Transport: &api.Transport{LocalAddress: s.cfg.LocalIP.String(), RemotePort: uint32(n.Port)},
		Timers: &api.Timers{Config: &api.TimersConfig{
			ConnectRetry: retry, HoldTime: 9, KeepaliveInterval: 3, IdleHoldTimeAfterReset: retry,
		}},
		GracefulRestart: &api.GracefulRestart{Enabled: true, RestartTime: restart, LocalRestarting: true, DeferralTime: 10},
		AfiSafis: []*api.AfiSafi{{
			Config:            &api.AfiSafiConfig{Family: evpnFamily, Enabled: true},
			MpGracefulRestart: &api.MpGracefulRestart{Config: &api.MpGracefulRestartConfig{Enabled: true}},
		}},
	}
}

// Stop ends the watch and leaves the sessions to close with the process:
// no Cease is sent, so peers with graceful restart keep this VTEP's routes
// (as stale) until it is back (a NOTIFICATION would make them withdraw
// them at once, from every VTEP).
func (s *Speaker) Stop() {
	s.stopOnce.Do(func() {
		if s.cancel != nil {
			s.cancel()
		}
	})
}

// onEOR notes a neighbour's End-of-RIB marker for EVPN.
func (s *Speaker) onEOR(p *apiutil.Path, _ time.Time) {
	if p.Family != bgp.RF_EVPN || !p.PeerAddress.IsValid() {
		return
	}
	s.mu.Lock()
	s.eor[p.PeerAddress] = true
	s.mu.Unlock()
	s.notify()
}

// onPeer logs a session change and wakes the consumer.
func (s *Speaker) onPeer(e *apiutil.WatchEventMessage_PeerEvent, _ time.Time) {
	if e.Type == apiutil.PEER_EVENT_STATE {
		if e.Peer.State.SessionState != bgp.BGP_FSM_ESTABLISHED {
			s.mu.Lock()
			delete(s.eor, e.Peer.State.NeighborAddress)
			s.mu.Unlock()
		}
		s.log.WithFields(logrus.Fields{"neighbor": e.Peer.State.NeighborAddress, "state": sessionState(e.Peer.State.SessionState)}).Info("BGP neighbour")
	}
	s.notify()
}

// onBest takes the table's best-path changes.
func (s *Speaker) onBest(paths []*apiutil.Path, _ time.Time) {
	s.mu.Lock()
	n := 0
	for _, p := range paths {
		if p.Family == bgp.RF_EVPN && s.takePath(p) {
			n++
		}
	}
	s.mu.Unlock()
	if n > 0 {
		s.notify()
	}
}

// takePath records (or forgets, when withdrawn) one best path received
// from a neighbour; local paths are ignored. It reports a change.
func (s *Speaker) takePath(p *apiutil.Path) bool {
	key := p.Nlri.String()
	if p.Withdrawal {
		_, had := s.received[key]
		delete(s.received, key)
		return had
	}
	if !p.PeerAddress.IsValid() || p.PeerAddress.IsUnspecified() {
		_, had := s.received[key] // the best path is now a local one
		delete(s.received, key)
		return had
	}
	rc := received{nlri: p.Nlri, attrs: p.Attrs, peer: p.PeerAddress}
	rc.parse(s.byRT)
	s.received[key] = rc
	return true
}

// sessionState names a BGP FSM state as vtepctl shows it.
func sessionState(st bgp.FSMState) string {
	switch st {
	case bgp.BGP_FSM_IDLE:
		return "idle"
	case bgp.BGP_FSM_CONNECT:
		return "connect"
	case bgp.BGP_FSM_ACTIVE:
		return "active"
	case bgp.BGP_FSM_OPENSENT:
		return "opensent"
	case bgp.BGP_FSM_OPENCONFIRM:
		return "openconfirm"
	case bgp.BGP_FSM_ESTABLISHED:
		return "established"
	}
	return "unknown"
}

// parse reads the path for the local networks of byRT.
func (rc *received) parse(byRT map[string]uint32) {
	rc.route, rc.err = parseRoute(rc.nlri, rc.attrs, byRT)
	rc.route.Peer = rc.peer
}
