package pipeline

// Table ids of the overlay bridge. Goto may only move to a later table, so
// their order is the order a frame visits them.
const (
	TableClassify     uint8 = 0
	TableTunnelIn     uint8 = 10
	TableLocalIn      uint8 = 20
	TableMACLimit     uint8 = 25
	TableMAC          uint8 = 30
	TableNeighLearn   uint8 = 33
	TableNeigh        uint8 = 35
	TableEgress       uint8 = 40
	TableTunnelOut    uint8 = 45
	TableARPResponder uint8 = 48
	TableNDAdvert     uint8 = 49
	TableFlood        uint8 = 50
	TableFloodOut     uint8 = 55
)

// TableUnderlay is the only table of the underlay bridge.
const TableUnderlay uint8 = 0

// Table declares one table: its id and the name pushed to OVS (so dumps say
// "classify" instead of 0), the match fields its flows may use (ovs-ofctl
// names, as ofapp.MatchField.Name prints them), and where its flows may send
// a packet next. Build rejects a flow that breaks its table's declaration.
type Table struct {
	ID   uint8
	Name string
	// Doc says what the table does, for documentation and tools.
	Doc string
	// Match lists the fields a flow may match.
	Match []string
	// Goto lists the tables a goto_table instruction may name.
	Goto []uint8
	// Resubmit lists the tables resubmit(,N) may name (lookups whose
	// result the flow acts on afterwards).
	Resubmit []uint8
	// Learn lists the tables a learn action may add flows to.
	Learn []uint8
	// Write lists the registers (reg0..reg15, see fields.go) a flow of the
	// table may load or move into; for a table that learn actions add flows
	// to, what the learned flows may load.
	Write []string
	// Meter allows the meter instruction (naming a meter Build made).
	Meter bool
}

var overlayTables = []Table{
	{ID: TableClassify, Name: "classify",
		Doc:      "port + VLAN, tunnel + VNI or port + destination subnet -> VNI in reg0, then source-check; group source MAC, untrusted VTEP, unknown: drop (counted)",
		Match:    []string{"in_port", "vlan_tci", "tun_id", "tun_src", "dl_src", "dl_type", "nw_dst", "arp_tpa"},
		Goto:     []uint8{TableTunnelIn, TableLocalIn},
		Resubmit: []uint8{TableSourceCheck},
		Write:    []string{"reg0", "reg1"}},
	{ID: TableSourceCheck, Name: "source-check",
		Doc:      "all-zero source MAC: reg1[5] = 1 (dropped by tunnel-in and local-in); else learn-pause. A flow per source bit, so cached datapath flows keep the source's bits only up to its first set one",
		Match:    []string{"dl_src"},
		Resubmit: []uint8{TableLearnPause},
		Write:    []string{"reg1"}},
	{ID: TableLearnPause, Name: "learn-pause",
		Doc:   "places (local port or remote VTEP, per VNI) whose source MAC max_macs refused: reg1[4] = 1 for LearnPauseSeconds, learned by mac-limit",
		Match: []string{"reg0", "in_port", "tun_src"},
		Write: []string{"reg1"}},
	{ID: TableTunnelIn, Name: "tunnel-in",
		Doc:      "learn source MAC + VNI -> remote VTEP (tun_src), look up the destination",
		Match:    []string{"reg0", "reg1", "dl_src", "tun_src"},
		Goto:     []uint8{TableEgress},
		Resubmit: []uint8{TableMACLimit, TableMAC, TableNeighLearn},
		Learn:    []uint8{TableMAC},
		Write:    []string{"reg1"}},
	{ID: TableLocalIn, Name: "local-in",
		Doc:      "learn source MAC + VNI -> local port (per port and VNI), look up the destination; secured ports: only allowed source MACs (and, with allowed IPs, ARP senders and IPv4 sources), else drop (counted)",
		Match:    []string{"in_port", "reg0", "reg1", "dl_src", "dl_type", "arp_spa", "arp_sha", "nw_src", "nw_proto", "udp_src", "udp_dst"},
		Goto:     []uint8{TableEgress},
		Resubmit: []uint8{TableMACLimit, TableMAC, TableNeighLearn},
		Learn:    []uint8{TableMAC},
		Write:    []string{"reg1"}},
	{ID: TableMACLimit, Name: "mac-limit",
		Doc:      "counts frames whose source MAC was not learned because its VNI or port is at max_macs and records the source in mac-refused (reached by resubmit; forwards nothing)",
		Match:    []string{"reg0", "reg1"},
		Resubmit: []uint8{TablePauseTrigger},
		Learn:    []uint8{TableMACRefused},
		Write:    []string{"reg1"}},
	{ID: TableMACRefused, Name: "mac-refused",
		Doc:   "records of sources max_macs refused, per VNI, for LearnPauseSeconds and at most PauseBurst (learned by mac-limit; never looked up)",
		Match: []string{"reg0", "dl_dst"}},
	{ID: TablePauseTrigger, Name: "pause-trigger",
		Doc:   "a refused source whose record was refused too (a burst of refusals): pause learning from its place (learns into learn-pause; reached by resubmit)",
		Match: []string{"reg0", "reg1"},
		Learn: []uint8{TableLearnPause}},
	{ID: TableMAC, Name: "mac",
		Doc:   "learned MAC + VNI entries loading reg2 (remote VTEP) and reg3 (port); miss leaves reg3 = 0",
		Match: []string{"reg0", "dl_dst"},
		Write: []string{"reg2", "reg3"}},
	{ID: TableNeighLearn, Name: "neigh-learn",
		Doc:   "ARP suppression: learn the ARP sender's (or ND solicitation sender's, advertisement target's) IP -> MAC binding into neigh (reached by resubmit from tunnel-in and local-in, after their checks)",
		Match: []string{"in_port", "reg0", "dl_type", "arp_spa", "arp_sha", "nw_proto", "icmpv6_type", "ipv6_src", "nd_sll", "nd_tll"},
		Learn: []uint8{TableNeigh},
		Write: []string{}},
	{ID: TableNeigh, Name: "neigh",
		Doc:   "IP -> MAC bindings (learned and static) loading reg4, reg5 (MAC) and reg1[3] = 1; a gratuitous ARP's own binding loads reg1[3] = 0",
		Match: []string{"reg0", "dl_type", "arp_spa", "arp_tpa", "nw_proto", "icmpv6_type", "nd_target", "nd_sll"},
		Write: []string{"reg1", "reg4", "reg5"}},
	{ID: TableEgress, Name: "egress",
		Doc:      "known destination: to its port (VLAN tag per port) or its VTEP (split horizon); unknown: flood (ARP requests of a suppressing network: look up the binding, then arp-responder)",
		Match:    []string{"reg0", "reg1", "reg3", "dl_type", "arp_op", "nw_proto", "icmpv6_type"},
		Goto:     []uint8{TableTunnelOut, TableARPResponder, TableFlood},
		Resubmit: []uint8{TableNeigh},
		Write:    []string{"reg1"}},
	{ID: TableTunnelOut, Name: "tunnel-out",
		Doc:   "to a known remote VTEP, when the underlay MTU is known: frames the underlay cannot carry (reg1[2]) are dropped (counted), the others encapsulated",
		Match: []string{"reg1"},
		Meter: true},
	{ID: TableARPResponder, Name: "arp-responder",
		Doc:   "ARP requests and neighbour solicitations from local ports of a suppressing network: binding found (reg1[3]): reply built in place, back to the input port (an advertisement finishes in nd-advert); else flood (both counted per VNI)",
		Match: []string{"in_port", "reg0", "reg1", "dl_type", "nw_proto", "icmpv6_type"},
		Goto:  []uint8{TableNDAdvert, TableFlood},
		Write: []string{"reg6"}},
	{ID: TableNDAdvert, Name: "nd-advert",
		Doc:   "a neighbour solicitation arp-responder turned into an advertisement: its target link-layer address (reg4, reg5), tagged, back to the input port (a flow matching a solicitation may not set nd_tll)",
		Match: []string{"in_port", "reg0", "dl_type", "nw_proto", "icmpv6_type"}},
	{ID: TableFlood, Name: "flood",
		Doc:      "BUM frames: to the VNI's local ports but the input port (one flow per VNI and local port) and, from local ports only, to its group or peer VTEPs (through the VNI's meter when it has bum_pps); with the underlay MTU known, the tunnel copy after a size check in flood-out",
		Match:    []string{"in_port", "reg0", "reg1"},
		Resubmit: []uint8{TableFloodOut},
		Write:    []string{"reg1"},
		Meter:    true},
	{ID: TableFloodOut, Name: "flood-out",
		Doc:   "only with the underlay MTU known: a BUM frame's tunnel copy; too long for the underlay (reg1[2]) dropped (counted), else to the VNI's group or peer VTEPs (reached by resubmit)",
		Match: []string{"reg0", "reg1"},
		Meter: true},
}

var underlayTables = []Table{
	{ID: TableUnderlay, Name: "underlay",
		Doc:   "VXLAN to a joined group -> this VTEP's address (OVS then decapsulates); all else: normal switching",
		Match: []string{"in_port", "dl_type", "nw_proto", "nw_dst", "udp_dst"},
		Write: []string{"reg0", "reg1", "reg2"}},
}

// Tables returns the overlay bridge's tables in id order, for naming them in
// OVS (Flow_Table) and in dumps.
func Tables() []Table { return append([]Table(nil), overlayTables...) }

// UnderlayTables returns the underlay bridge's tables.
func UnderlayTables() []Table { return append([]Table(nil), underlayTables...) }

// TunnelPortName is the name of the flow-based VXLAN port vtepd keeps on the
// overlay bridge.
const TunnelPortName = "vxlan0"

// UnderlayTableName returns the underlay table's name, or "" for undeclared ids.
func UnderlayTableName(id uint8) string {
	for _, t := range underlayTables {
		if t.ID == id {
			return t.Name
		}
	}
	return ""
}

// TableName returns the overlay table's name, or "" for undeclared ids.
func TableName(id uint8) string {
	for _, t := range overlayTables {
		if t.ID == id {
			return t.Name
		}
	}
	return ""
}

func has[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
