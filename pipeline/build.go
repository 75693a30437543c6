package pipeline

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sort"

	"github.com/vtep/vtep/ofapp"
)

// Priorities used in the pipeline.
const (
	prioInvalid = 210 // classify: invalid source MACs, above every other drop
	prioStacked = 205 // classify: a second VLAN tag
	prioHigh    = 200
	prioNormal  = 100
	prioSubnet  = 90
	prioTunnel  = 1 // classify: tunnel packets whose VNI is unknown
	prioDefault = 0
)

var (
	macZero       = net.HardwareAddr{0, 0, 0, 0, 0, 0}
	macGroupBit   = net.HardwareAddr{1, 0, 0, 0, 0, 0}
	ethTypeIPv4   = uint16(0x0800)
	ethTypeARP    = uint16(0x0806)
	ethType8021Q  = uint16(0x8100)
	ethType8021AD = uint16(0x88a8)
	ipProtoUDP    = uint8(17)
	learnedPrio   = uint16(prioNormal)
	unicastSrc    = ofapp.MatchEthSrcMasked(macZero, macGroupBit)
	groupSrc      = ofapp.MatchEthSrcMasked(macGroupBit, macGroupBit)
	tunIDVNI      = ofapp.Bits(ofapp.FieldTunID, 0, 24)
	inPortWhole   = ofapp.Whole(ofapp.FieldInPort)
	ethDstWhole   = ofapp.Whole(ofapp.FieldEthDst)
	ethSrcWhole   = ofapp.Whole(ofapp.FieldEthSrc)
	tunSrcWhole   = ofapp.Whole(ofapp.FieldTunIPv4Src)
	tunDstWhole   = ofapp.Whole(ofapp.FieldTunIPv4Dst)
	checkSource   = ofapp.Resubmit{Table: TableSourceCheck}
	errNoConfig   = errors.New("required")
	errBadPort    = errors.New("invalid")
	errDupPort    = errors.New("used twice")
	errNoUnderly  = errors.New("required in multicast mode")
)

// member is one port's membership in one network.
type member struct {
	port   uint32
	vlan   uint16 // the VLAN it carries the network in; 0 = untagged
	subnet bool   // classified by destination subnet
}

// network is a configured network with its local members.
type network struct {
	Network
	members []member // by port
}

// Build computes the flows and groups that make the bridges a VTEP for the
// given state. It is pure: the same State always yields the same Result, in
// the same order. Every flow is checked against its table's declaration; a
// violation is a *FlowError naming the flow and the rule, and a bad input a
// *StateError naming the field.
//
// Flows are shaped so that a port's arrival or departure changes only that
// port's classify and egress flows plus the flood flows of the VNIs it
// carries: nothing else mentions a port, and cookies of unchanged flows stay
// equal.
func Build(s State) (Result, error) {
	nets, err := prepare(s)
	if err != nil {
		return Result{}, err
	}
	b := &builder{s: s, d: s.Desired, nets: nets}
	b.prepareSecurity()
	var res Result
	res.Groups = b.groups()
	res.Meters = append(b.meters(), b.oversizeMeters()...)
	overlay := make([]ofapp.Flow, 0, b.estimate())
	overlay = b.classify(overlay)
	overlay = b.sourceCheck(overlay)
	overlay = b.learning(overlay)
	overlay = b.macLimit(overlay)
	overlay = b.staticEntries(overlay)
	overlay = b.evpnMACs(overlay)
	overlay = append(overlay, flow(TableMAC, prioDefault, FeatureMACMiss, 0, nil, nil, 0))
	overlay = b.neighLearn(overlay)
	overlay = b.neighTable(overlay)
	overlay = b.egress(overlay)
	overlay = b.tunnelOut(overlay)
	overlay = b.arpResponder(overlay)
	overlay = b.ndAdvertTable(overlay)
	overlay = b.flood(overlay)
	overlay = b.floodOut(overlay)
	overlay = b.frozen(overlay)
	underlay, err := b.underlay()
	if err != nil {
		return Result{}, err
	}
	if err := check(overlayTables, overlay, res.Groups, res.Meters); err != nil {
		return Result{}, err
	}
	if err := check(underlayTables, underlay, nil, nil); err != nil {
		return Result{}, err
	}
	res.Overlay, res.Underlay = overlay, underlay
	return res, nil
}

func check(tables []Table, flows []ofapp.Flow, groups []ofapp.GroupEntry, meters []ofapp.MeterEntry) error {
	c := NewChecker(tables, groups)
	c.expect(len(flows))
	c.AllowMeters(meters)
	for _, f := range flows {
		if err := c.Check(f); err != nil {
			return err
		}
	}
	return nil
}

// prepare checks the state and works out each network's local members.
func prepare(s State) ([]network, error) {
	if err := checkDesired(s.Desired); err != nil {
		return nil, err
	}
	if err := checkPort("TunnelPort", s.TunnelPort); err != nil {
		return nil, err
	}
	ports := slices.Clone(s.Ports)
	sort.Slice(ports, func(i, j int) bool { return ports[i].OFPort < ports[j].OFPort })
	seen := map[uint32]string{s.TunnelPort: "the tunnel port"}
	for _, p := range ports {
		field := "Ports[" + p.Name + "]"
		if err := checkPort(field+".OFPort", p.OFPort); err != nil {
			return nil, err
		}
		if other, dup := seen[p.OFPort]; dup {
			return nil, &StateError{Field: field + ".OFPort", Value: fmt.Sprint(p.OFPort), Err: fmt.Errorf("%w: %w with %s", ErrState, errDupPort, other)}
		}
		seen[p.OFPort] = p.Name
		if p.Tag > 4094 {
			return nil, &StateError{Field: field + ".Tag", Value: fmt.Sprint(p.Tag), Err: fmt.Errorf("%w: out of range 0..4094", ErrState)}
		}
		for _, v := range p.Trunks {
			if v < 1 || v > 4094 {
				return nil, &StateError{Field: field + ".Trunks", Value: fmt.Sprint(v), Err: fmt.Errorf("%w: out of range 1..4094", ErrState)}
			}
		}
		if err := checkSecured(p); err != nil {
			return nil, err
		}
	}

	nets, err := sortedNetworks(s.Desired.Networks)
	if err != nil {
		return nil, err
	}
	byVLAN := make(map[uint16]int)
	var subnetNets []int
	for i, n := range nets {
		if n.VLAN != 0 {
			byVLAN[n.VLAN] = i
		}
		if len(n.Subnets) > 0 {
			subnetNets = append(subnetNets, i)
		}
	}
	for _, p := range ports {
		switch {
		case p.Tag != 0:
			if i, ok := byVLAN[p.Tag]; ok {
				nets[i].members = append(nets[i].members, member{port: p.OFPort})
			}
		case len(p.Trunks) > 0:
			vlans := slices.Clone(p.Trunks)
			slices.Sort(vlans)
			for _, v := range slices.Compact(vlans) {
				if i, ok := byVLAN[v]; ok {
					nets[i].members = append(nets[i].members, member{port: p.OFPort, vlan: v})
				}
			}
		default:
			for _, i := range subnetNets {
				nets[i].members = append(nets[i].members, member{port: p.OFPort, subnet: true})
			}
		}
	}
	if len(s.Desired.Groups()) > 0 {
		if err := checkPort("Underlay.UplinkPort", s.Underlay.UplinkPort); err != nil {
			return nil, err
		}
		if len(s.Underlay.BridgeMAC) != 6 {
			return nil, &StateError{Field: "Underlay.BridgeMAC", Value: s.Underlay.BridgeMAC.String(), Err: fmt.Errorf("%w: %w", ErrState, errNoUnderly)}
		}
	}
	return nets, nil
}

// checkDesired refuses a desired state Build cannot make flows for.
func checkDesired(d Desired) error {
	switch {
	case !d.LocalIP.Is4():
		return &StateError{Field: "Desired.LocalIP", Value: d.LocalIP.String(), Err: fmt.Errorf("%w: %w: want an IPv4 address", ErrState, errNoConfig)}
	case d.UDPPort == 0:
		return &StateError{Field: "Desired.UDPPort", Value: "0", Err: fmt.Errorf("%w: %w", ErrState, errNoConfig)}
	case d.MACAgeing == 0:
		return &StateError{Field: "Desired.MACAgeing", Value: "0", Err: fmt.Errorf("%w: %w", ErrState, errNoConfig)}
	}
	for _, n := range d.Networks {
		if err := checkNeighbours(n); err != nil {
			return err
		}
	}
	return checkTrusted(d)
}

func checkPort(field string, p uint32) error {
	if p == 0 || p > MaxPort {
		return &StateError{Field: field, Value: fmt.Sprint(p), Err: fmt.Errorf("%w: %w: want an OpenFlow port 1..%d", ErrState, errBadPort, MaxPort)}
	}
	return nil
}

type builder struct {
	s       State
	d       Desired
	nets    []network
	secured map[uint32]Port // secured ports by OpenFlow port
	static  []staticMAC     // by VNI, then MAC
}

func (b *builder) estimate() int {
	n := 8 + 6*len(b.nets)
	for _, nw := range b.nets {
		n += 4 * len(nw.members)
	}
	return n
}

// flow makes a sealed flow: cookie from feature and VNI, digest over the rest.
func flow(table uint8, prio uint16, f Feature, vni uint32, m ofapp.Match, actions []ofapp.Action, goTo uint8) ofapp.Flow {
	return Seal(ofapp.Flow{Table: table, Priority: prio, Cookie: uint64(NewCookie(f, vni)), Match: m, Actions: actions, Goto: goTo})
}

func loadVNI(vni uint32) ofapp.Action { return ofapp.RegLoad{Dst: RegVNI, Value: uint64(vni)} }

// classify: table 0.
func (b *builder) classify(out []ofapp.Flow) []ofapp.Flow {
	t := b.s.TunnelPort
	out = append(out,
		flow(TableClassify, prioInvalid, FeatureDropInvalidSource, 0, ofapp.Match{groupSrc}, nil, 0),
		flow(TableClassify, prioStacked, FeatureDropStackedVLAN, 0, ofapp.Match{ofapp.MatchVLANPresent(), ofapp.MatchEthType(ethType8021Q)}, nil, 0),
		flow(TableClassify, prioStacked, FeatureDropStackedVLAN, 0, ofapp.Match{ofapp.MatchVLANPresent(), ofapp.MatchEthType(ethType8021AD)}, nil, 0))
	out = b.dropUntrusted(out)
	for _, n := range b.nets {
		out = append(out, flow(TableClassify, prioNormal, FeatureClassifyTunnel, n.VNI,
			ofapp.Match{ofapp.MatchInPort(t), ofapp.MatchTunnelID(uint64(n.VNI))},
			[]ofapp.Action{loadVNI(n.VNI), ofapp.RegLoad{Dst: RegFromTunnel, Value: 1}, checkSource}, TableTunnelIn))
	}
	// Per port, in port order, so one port's flows sit together.
	var pf []portFlow
	for _, n := range b.nets {
		for _, m := range n.members {
			switch {
			case m.subnet:
				for _, sub := range n.Subnets {
					ipnet := prefixNet(sub)
					pf = append(pf,
						portFlow{m.port, flow(TableClassify, prioSubnet, FeatureClassifySubnet, n.VNI,
							ofapp.Match{ofapp.MatchInPort(m.port), ofapp.MatchNoVLAN(), ofapp.MatchEthType(ethTypeIPv4), ofapp.MatchIPv4Dst(ipnet)},
							[]ofapp.Action{loadVNI(n.VNI), checkSource}, TableLocalIn)},
						portFlow{m.port, flow(TableClassify, prioSubnet, FeatureClassifySubnet, n.VNI,
							ofapp.Match{ofapp.MatchInPort(m.port), ofapp.MatchNoVLAN(), ofapp.MatchEthType(ethTypeARP), ofapp.MatchARPTPA(ipnet)},
							[]ofapp.Action{loadVNI(n.VNI), checkSource}, TableLocalIn)})
				}
			case m.vlan == 0:
				pf = append(pf, portFlow{m.port, flow(TableClassify, prioNormal, FeatureClassifyVLAN, n.VNI,
					ofapp.Match{ofapp.MatchInPort(m.port), ofapp.MatchNoVLAN()},
					[]ofapp.Action{loadVNI(n.VNI), checkSource}, TableLocalIn)})
			default:
				pf = append(pf, portFlow{m.port, flow(TableClassify, prioNormal, FeatureClassifyVLAN, n.VNI,
					ofapp.Match{ofapp.MatchInPort(m.port), ofapp.MatchVLANVID(m.vlan)},
					[]ofapp.Action{ofapp.PopVLAN{}, loadVNI(n.VNI), checkSource}, TableLocalIn)})
			}
		}
	}
	out = appendByPort(out, pf)
	out = append(out,
		flow(TableClassify, prioTunnel, FeatureDropUnknownVNI, 0, ofapp.Match{ofapp.MatchInPort(t)}, nil, 0),
		flow(TableClassify, prioDefault, FeatureDropUnknownVLAN, 0, nil, nil, 0))
	return out
}

// learning: tables 10 and 20. Table 10 has one learning flow per VNI,
// table 20 one per (port, VNI), so that the learned flows' cookie carries
// the VNI and, for local MACs, the port (LearnedLocalCookie): one delete
// by cookie then removes what a departed port left. The learn flows take
// unicast sources only: a group source is invalid (IEEE 802.3) and learning
// it would steer that group's traffic to one port. Classify already drops
// such frames, and each table drops all-zero sources (marked by
// source-check, drop-invalid-source); with a limit, each learning flow has
// a paused twin (pause.go); each table's shared no-learn flow is a safety
// net that forwards anything else unlearned.
func (b *builder) learning(out []ofapp.Flow) []ofapp.Flow {
	next := []ofapp.Action{ofapp.Resubmit{Table: TableMAC}}
	out = b.tunnelSecured(out)
	for _, n := range b.nets {
		if n.EVPN {
			out = b.evpnTunnelIn(out, n)
			continue
		}
		l := b.learn(NewCookie(FeatureLearnedRemote, n.VNI), ofapp.LearnLoadField{Src: tunSrcWhole, Dst: RegRemoteVTEP})
		out = append(out, flow(TableTunnelIn, prioNormal, FeatureLearnRemote, n.VNI, ofapp.Match{matchVNI(n.VNI), unicastSrc},
			neighLearnResubmit(n.Network, learnActions(l, b.remoteLimit(n))), TableEgress))
		if b.remoteLimit(n) != 0 {
			out = append(out, pausedFlow(TableTunnelIn, n))
		}
	}
	out = append(out, zeroSourceDrop(TableTunnelIn), flow(TableTunnelIn, prioDefault, FeatureNoLearn, 0, nil, next, TableEgress))
	pf := b.securedPortDrops()
	for _, n := range b.nets {
		for _, m := range n.members {
			l := b.learn(LearnedLocalCookie(n.VNI, m.port), ofapp.LearnLoadValue{Dst: RegRemoteVTEP, Value: 0})
			acts := neighLearnResubmit(n.Network, learnActions(l, b.localLimit(n)))
			if _, ok := b.secured[m.port]; ok {
				pf = append(pf, b.localSecured(n, m, acts)...)
				continue
			}
			pf = append(pf, portFlow{m.port, flow(TableLocalIn, prioNormal, FeatureLearnLocal, n.VNI,
				ofapp.Match{ofapp.MatchInPort(m.port), matchVNI(n.VNI), unicastSrc}, acts, TableEgress)})
			if b.localLimit(n) != 0 {
				pf = append(pf, portFlow{m.port, pausedFlow(TableLocalIn, n, ofapp.MatchInPort(m.port))})
			}
		}
	}
	out = appendByPort(out, pf)
	return append(out, zeroSourceDrop(TableLocalIn), flow(TableLocalIn, prioDefault, FeatureNoLearn, 0, nil, next, TableEgress))
}

// learn is the learn action of tables 10 and 20: (VNI, this dl_src) ->
// reg2 = remote VTEP (vtep: tun_src, or 0 for a local MAC), reg3 = in_port.
//
// The learned flow has a hard timeout of mac_ageing and no idle timeout.
// OVS resets a learned flow's hard timeout each time the learn action runs
// again with the same result (ofproto_flow_mod_learn_refresh sets the
// rule's modified time, also from the datapath flow cache when the
// revalidators push the source's traffic), while lookups towards the MAC
// only refresh an idle timeout. So an entry lives mac_ageing after its MAC
// was last seen as a source, however much traffic goes to it.
func (b *builder) learn(c Cookie, vtep ofapp.LearnSpec) ofapp.Learn {
	return ofapp.Learn{Table: TableMAC, Priority: learnedPrio, HardTimeout: b.d.MACAgeing,
		Cookie: uint64(c), Specs: []ofapp.LearnSpec{
			ofapp.LearnMatchField{Dst: RegVNI, Src: RegVNI},
			ofapp.LearnMatchField{Dst: ethDstWhole, Src: ethSrcWhole},
			vtep,
			ofapp.LearnLoadField{Src: inPortWhole, Dst: RegOutPort},
		}}
}

// egress: table 40.
func (b *builder) egress(out []ofapp.Flow) []ofapp.Flow {
	t := b.s.TunnelPort
	out = append(out,
		flow(TableEgress, prioHigh, FeatureEgressSplitHorizon, 0, ofapp.Match{matchFromTunnel(true), matchOutPort(t)}, nil, 0))
	out = b.egressTunnel(out)
	var pf []portFlow
	for _, n := range b.nets {
		for _, m := range n.members {
			var acts []ofapp.Action
			if m.vlan != 0 {
				acts = append(acts, ofapp.PushVLAN{}, ofapp.SetVLANVID{VID: m.vlan})
			}
			acts = append(acts, ofapp.Output{Port: m.port})
			pf = append(pf, portFlow{m.port, flow(TableEgress, prioNormal, FeatureEgress, n.VNI,
				ofapp.Match{matchVNI(n.VNI), matchOutPort(m.port)}, acts, 0)})
		}
	}
	out = appendByPort(out, pf)
	out = b.arpLookup(out)
	return append(out, flow(TableEgress, prioDefault, FeatureEgressMiss, 0, nil, nil, TableFlood))
}

// portFlow is a flow about one port, so that a table's per-port flows can
// be ordered by port and one port's flows sit together.
type portFlow struct {
	port uint32
	f    ofapp.Flow
}

// appendByPort appends the flows in port order (stable within a port).
func appendByPort(out []ofapp.Flow, pf []portFlow) []ofapp.Flow {
	slices.SortStableFunc(pf, func(a, c portFlow) int { return cmp.Compare(a.port, c.port) })
	for _, p := range pf {
		out = append(out, p.f)
	}
	return out
}

// localOutputs sends a copy to every local member except the one on port
// skip (0: none): untagged ones first, then the tagged ones under one pushed
// tag (a network has one VLAN per VTEP). pop says whether to remove the tag
// afterwards, for actions that follow.
func localOutputs(n network, skip uint32, pop bool) []ofapp.Action {
	var acts []ofapp.Action
	var tagged []member
	for _, m := range n.members {
		switch {
		case m.port == skip:
		case m.vlan == 0:
			acts = append(acts, ofapp.Output{Port: m.port})
		default:
			tagged = append(tagged, m)
		}
	}
	if len(tagged) > 0 {
		acts = append(acts, ofapp.PushVLAN{}, ofapp.SetVLANVID{VID: tagged[0].vlan})
		for _, m := range tagged {
			acts = append(acts, ofapp.Output{Port: m.port})
		}
		if pop {
			acts = append(acts, ofapp.PopVLAN{})
		}
	}
	return acts
}

// flood: table 50. A frame from a local port floods through that port's own
// flow, which names every other local member but never the input port (OVS
// would skip it, logging each skip at INFO), then the VNI's group or
// multicast address, through the VNI's meter when it has bum_pps. A frame
// from the tunnel goes to all local members only (split horizon). A VNI with
// N local ports thus has N+1 flood flows, all with the VNI's flood cookie.
func (b *builder) flood(out []ofapp.Flow) []ofapp.Flow {
	for _, n := range b.nets {
		for _, m := range n.members {
			out = append(out, b.floodFromPort(n, m.port))
		}
		out = append(out,
			flow(TableFlood, prioNormal, FeatureFlood, n.VNI, ofapp.Match{matchVNI(n.VNI), matchFromTunnel(true)}, localOutputs(n, 0, false), 0))
	}
	return out
}

// underlay: the underlay bridge's table 0.
func (b *builder) underlay() ([]ofapp.Flow, error) {
	var out []ofapp.Flow
	local := net.IP(b.d.LocalIP.AsSlice())
	for _, g := range b.d.Groups() {
		out = append(out, flow(TableUnderlay, prioNormal, FeatureUnderlayJoin, 0, ofapp.Match{
			ofapp.MatchInPort(b.s.Underlay.UplinkPort), ofapp.MatchEthType(ethTypeIPv4), ofapp.MatchIPProto(ipProtoUDP),
			ofapp.MatchIPv4DstAddr(net.IP(g.AsSlice())), ofapp.MatchUDPDst(b.d.UDPPort),
		}, append(readOuterSource(),
			ofapp.SetIPv4Dst{IP: local}, ofapp.SetEthDst{MAC: b.s.Underlay.BridgeMAC}, ofapp.Output{Port: ofapp.PortLocal},
		), 0))
	}
	return append(out, flow(TableUnderlay, prioDefault, FeatureUnderlayNormal, 0, nil, []ofapp.Action{ofapp.Output{Port: ofapp.PortNormal}}, 0)), nil
}

func prefixNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: net.IP(p.Masked().Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), 32)}
}
