package config

import (
	"net/netip"
	"time"
)

// Config is vtepd's whole configuration, as read from the YAML file with
// defaults filled in. Parse and Load return only Configs that passed Validate.
type Config struct {
	// OVSDB is the OVSDB endpoint: unix:PATH or tcp:HOST:PORT.
	OVSDB string `yaml:"ovsdb"`
	// OVSUnixctl is ovs-vswitchd's control socket (for ovs/route and
	// tnl/neigh); empty means: find it next to the OVSDB socket.
	OVSUnixctl string `yaml:"ovs_unixctl"`
	// OpenFlow configures the OpenFlow controller side.
	OpenFlow OpenFlow `yaml:"openflow"`
	// Bridge is the overlay bridge vtepd creates and owns.
	Bridge string `yaml:"bridge"`
	// DatapathType is the bridges' datapath: netdev (userspace) or system.
	DatapathType string `yaml:"datapath_type"`
	// Underlay describes the underlay network and the VTEP's address in it.
	Underlay Underlay `yaml:"underlay"`
	// Flood chooses how broadcast, unknown unicast and multicast frames
	// reach the other VTEPs.
	Flood Flood `yaml:"flood"`
	// MACAgeing is how long a learned MAC entry lives after its MAC was
	// last seen as a source (whole seconds, 1s..65535s): the learned
	// flows' hard timeout, which the learn action resets.
	MACAgeing time.Duration `yaml:"mac_ageing"`
	// MaxMACs is the default of networks[].max_macs (0: no limit).
	MaxMACs uint32 `yaml:"max_macs" range:"0..1000000"`
	// MaxMACsPerPort bounds the MACs learned on one local port in one
	// network (0: only the network's max_macs).
	MaxMACsPerPort uint32 `yaml:"max_macs_per_port" range:"0..1000000"`
	// BUMPPS is the default of networks[].bum_pps (0: no storm control).
	BUMPPS uint32 `yaml:"bum_pps" range:"0..100000000"`
	// MACFlap configures MAC-flap detection (see MACFlap).
	MACFlap MACFlap `yaml:"mac_flap"`
	// Networks are the overlay networks: VNI, local VLAN, multicast group.
	Networks []Network `yaml:"networks"`
	// EVPN configures the BGP EVPN control plane (see EVPN).
	EVPN EVPN `yaml:"evpn"`
	// API is where vtepctl reaches vtepd.
	API API `yaml:"api"`
	// Metrics is the optional Prometheus endpoint.
	Metrics Metrics `yaml:"metrics"`
}

// OpenFlow configures where Open vSwitch connects to vtepd, and who may.
type OpenFlow struct {
	// Listen is unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT.
	Listen string `yaml:"listen"`
	// OVSUser is the user (name or uid) ovs-vswitchd runs as, whose
	// processes may connect to a unix Listen socket besides root's and
	// vtepd's; empty means the owner of OVS's run directory.
	OVSUser string `yaml:"ovs_user"`
	// MaxConnections caps the OpenFlow connections vtepd keeps at once.
	MaxConnections uint32 `yaml:"max_connections" range:"1..65535"`
	// MaxHandshakes caps the connections in handshake at once.
	MaxHandshakes uint32 `yaml:"max_handshakes" range:"1..65535"`
	// PrivateKey, Certificate and CACert are vtepd's PEM private key, its
	// certificate and the CA certificate that signs the switches'
	// certificates (ssl: only), as OVS's SSL table names them.
	PrivateKey  string `yaml:"private_key"`
	Certificate string `yaml:"certificate"`
	CACert      string `yaml:"ca_cert"`
}

// Underlay describes the underlay network.
type Underlay struct {
	// Bridge holds the VTEP IP on its internal port and the uplink.
	Bridge string `yaml:"bridge"`
	// Uplink is the underlay bridge's physical port (required in multicast
	// mode: the receive "join" flows match packets arriving on it).
	Uplink string `yaml:"uplink"`
	// LocalIP is the VTEP's IPv4 address with its prefix length.
	LocalIP netip.Prefix `yaml:"local_ip"`
	// UDPPort is the VXLAN UDP destination port.
	UDPPort uint16 `yaml:"udp_port" range:"1..65535"`
	// MulticastGateways, when set, replaces the automatic choice of
	// placeholder next hops for multicast groups (see MulticastGateways).
	MulticastGateways []netip.Addr `yaml:"mcast_gateways"`
	// TrustedVTEPs are the outer source addresses and prefixes tunnel
	// frames are accepted from (see RestrictVTEPs and TrustedVTEPs).
	TrustedVTEPs []VTEPPrefix `yaml:"trusted_vteps"`
}

// FloodMode says how BUM frames reach other VTEPs.
type FloodMode string

// Flood modes.
const (
	// FloodMulticast sends BUM frames to the VNI's underlay multicast group.
	FloodMulticast FloodMode = "multicast"
	// FloodReplication sends one unicast copy to every peer VTEP (head-end
	// replication).
	FloodReplication FloodMode = "replication"
)

// Flood chooses the flood mode.
type Flood struct {
	// Mode is multicast or replication.
	Mode FloodMode `yaml:"mode"`
	// Peers are the other VTEPs' IPv4 addresses (replication mode).
	Peers []netip.Addr `yaml:"peers"`
}

// Network is one overlay network: a VNI, the local VLAN mapped to it, and
// the multicast group carrying its BUM traffic.
type Network struct {
	// VNI is the VXLAN network identifier, 1..16777215, unique.
	VNI uint32 `yaml:"vni" range:"1..16777215"`
	// VLAN is the local VLAN, 1..4094; 0 means none (subnets only).
	VLAN uint16 `yaml:"vlan" range:"1..4094"`
	// Group is the IPv4 multicast group (multicast mode).
	Group netip.Addr `yaml:"group"`
	// Subnets classify untagged frames by destination IPv4 address.
	Subnets []netip.Prefix `yaml:"subnets"`
	// MaxMACs bounds the MACs learned in the network (see
	// docs/config.md); 0 takes the top-level max_macs.
	MaxMACs uint32 `yaml:"max_macs" range:"0..1000000"`
	// BUMPPS is the rate, in packets per second, above which the
	// network's broadcast, unknown unicast and multicast frames from local
	// ports are dropped (storm control); 0 takes the top-level bum_pps.
	BUMPPS uint32 `yaml:"bum_pps" range:"0..100000000"`
	// ARPSuppression is the network's ARP responder mode: off (or
	// empty), learned or static (see docs/config.md, ARP suppression).
	ARPSuppression string `yaml:"arp_suppression"`
	// RD overrides an EVPN network's automatic route distinguisher
	// (router ID:VNI mod 65536): IP:N or ASN:N.
	RD string `yaml:"rd"`
	// RouteTarget overrides an EVPN network's automatic route target
	// (ASN:VNI, as FRR derives it): ASN:N.
	RouteTarget string `yaml:"route_target"`
}

// ARPSuppressionModes are the values networks[].arp_suppression accepts.
var ARPSuppressionModes = []string{"off", "learned", "static"}

// NetworkBUMPPS returns the storm-control rate of network n: its own
// bum_pps, else the top-level one (0: none).
func (c *Config) NetworkBUMPPS(n Network) uint32 {
	if n.BUMPPS != 0 {
		return n.BUMPPS
	}
	return c.BUMPPS
}

// NetworkMaxMACs returns the MAC limit of network n: its own max_macs, else
// the top-level one (0: no limit).
func (c *Config) NetworkMaxMACs(n Network) uint32 {
	if n.MaxMACs != 0 {
		return n.MaxMACs
	}
	return c.MaxMACs
}

// API configures vtepd's control socket for vtepctl.
type API struct {
	// Listen is unix:PATH or tcp:HOST:PORT; empty turns the API off.
	Listen string `yaml:"listen"`
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	// Listen is HOST:PORT; empty (the default) turns metrics off.
	Listen string `yaml:"listen"`
}

// Default values of optional keys.
const (
	DefaultOVSDB          = "unix:/var/run/openvswitch/db.sock"
	DefaultOpenFlowListen = "unix:/var/run/openvswitch/vtepd.sock"
	DefaultBridge         = "br-int"
	DefaultDatapathType   = "netdev"
	DefaultUnderlayBridge = "br-phy"
	DefaultUDPPort        = 4789
	DefaultMACAgeing      = 300 * time.Second
	DefaultAPIListen      = "unix:/var/run/vtep/vtepd-api.sock"
	DefaultMaxConnections = 64
	DefaultMaxHandshakes  = 16
)

// Default returns a Config holding the default of every optional key; the
// required keys (underlay.local_ip, underlay.uplink in multicast mode, the
// networks) are left empty.
func Default() Config {
	return Config{
		OVSDB:        DefaultOVSDB,
		OpenFlow:     OpenFlow{Listen: DefaultOpenFlowListen, MaxConnections: DefaultMaxConnections, MaxHandshakes: DefaultMaxHandshakes},
		Bridge:       DefaultBridge,
		DatapathType: DefaultDatapathType,
		Underlay:     Underlay{Bridge: DefaultUnderlayBridge, UDPPort: DefaultUDPPort},
		Flood:        Flood{Mode: FloodMulticast},
		MACAgeing:    DefaultMACAgeing,
		MACFlap:      MACFlap{MaxMoves: DefaultMACFlapMaxMoves, Window: DefaultMACFlapWindow},
		API:          API{Listen: DefaultAPIListen},
		EVPN:         EVPN{ListenPort: DefaultBGPPort, RestartTime: DefaultEVPNRestartTime},
	}
}

// Groups returns the distinct multicast groups the networks use, in
// ascending order (none in replication mode; EVPN networks use none).
func (c *Config) Groups() []netip.Addr {
	if c.Flood.Mode != FloodMulticast {
		return nil
	}
	seen := make(map[netip.Addr]bool)
	var out []netip.Addr
	for _, n := range c.Networks {
		if n.Group.IsValid() && !seen[n.Group] && !c.UsesEVPN(n.VNI) {
			seen[n.Group] = true
			out = append(out, n.Group)
		}
	}
	sortAddrs(out)
	return out
}

// Network returns the network with this VNI.
func (c *Config) Network(vni uint32) (Network, bool) {
	for _, n := range c.Networks {
		if n.VNI == vni {
			return n, true
		}
	}
	return Network{}, false
}

// MACAgeingSeconds returns MACAgeing in the whole seconds of an OpenFlow
// timeout.
func (c *Config) MACAgeingSeconds() uint16 { return uint16(c.MACAgeing / time.Second) }
