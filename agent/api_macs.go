package agent

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// The learned MAC table: GET /v1/macs reads the flows the learn actions
// made in table mac (30) and says, in the seed's terms, where each MAC is.
//
// Age. An entry lives mac_ageing (its hard timeout) after its MAC was last
// seen as a source: each frame from the MAC restarts the hard timeout (OVS
// sets the rule's modified time). OpenFlow 1.3 flow stats carry a flow's
// duration (time since it was learned; refreshing an entry keeps it) but
// not that modified time, which only the Nicira NXST_FLOW reply of OpenFlow
// 1.0 has (hard_age), and vtep's bridges speak OpenFlow 1.3 only. So AGE is
// the time since the MAC was learned. HITS is the entry's n_packets: frames
// sent to that MAC, which do not keep the entry.

// MACEntry is one learned MAC.
type MACEntry struct {
	MAC string `json:"mac"`
	VNI uint32 `json:"vni"`
	// Remote is true for MACs behind another VTEP (learned from the tunnel).
	Remote bool `json:"remote"`
	// VTEP is the remote VTEP's IPv4 address (remote entries).
	VTEP string `json:"vtep,omitempty"`
	// Port and OFPort name the port the MAC was learned on: a local VM port,
	// or the tunnel port for remote entries.
	Port   string `json:"port"`
	OFPort uint32 `json:"ofport"`
	// VLAN is the local VLAN of the VNI on Port (local entries; 0 for
	// untagged ports).
	VLAN        uint16  `json:"vlan,omitempty"`
	Age         float64 `json:"age_s"`
	IdleTimeout uint16  `json:"idle_timeout"`
	// HardTimeout is mac_ageing: the entry goes that long after its MAC
	// was last seen as a source.
	HardTimeout uint16 `json:"hard_timeout"`
	Hits        uint64 `json:"hits"`
}

// portInfo names ports and finds the VLAN of a VNI on a port.
type portInfo struct {
	tunnel  uint32
	ports   map[uint32]pipeline.Port
	vniVLAN map[uint32]uint16
}

func newPortInfo(cfg *config.Config, st pipeline.State) portInfo {
	pi := portInfo{tunnel: st.TunnelPort, ports: map[uint32]pipeline.Port{}, vniVLAN: map[uint32]uint16{}}
	for _, p := range st.Ports {
		pi.ports[p.OFPort] = p
	}
	if cfg != nil {
		for _, n := range cfg.Networks {
			pi.vniVLAN[n.VNI] = n.VLAN
		}
	}
	return pi
}

// name returns a port's name, or its number when unknown.
func (pi portInfo) name(no uint32) string {
	if no == pi.tunnel && no != 0 {
		return TunnelPortName
	}
	if p, ok := pi.ports[no]; ok {
		return p.Name
	}
	return ofapp.PortString(no)
}

// vlan returns the VLAN frames of vni carry on port no: its tag (access),
// the VNI's VLAN (trunk), or 0 (untagged).
func (pi portInfo) vlan(no, vni uint32) uint16 {
	p, ok := pi.ports[no]
	if !ok {
		return 0
	}
	if p.Tag != 0 {
		return p.Tag
	}
	if len(p.Trunks) > 0 {
		return pi.vniVLAN[vni]
	}
	return 0
}

// byName finds a port by name.
func (pi portInfo) byName(name string) (pipeline.Port, bool) {
	for _, p := range pi.ports {
		if p.Name == name {
			return p, true
		}
	}
	return pipeline.Port{}, false
}

// MACs reads the learned MAC table (vni 0: every VNI), sorted by VNI and MAC.
func (a *Agent) MACs(ctx context.Context, vni uint32) ([]MACEntry, error) {
	sw, name, err := a.switchFor(BridgeOverlay)
	if err != nil {
		return nil, err
	}
	fs, err := sw.TableFlows(ctx, pipeline.TableMAC, uint64(pipeline.LearnedValue), uint64(pipeline.LearnedMask))
	if err != nil {
		return nil, fmt.Errorf("overlay bridge %s: read learned flows: %w", name, err)
	}
	_, st, _ := a.Snapshot()
	pi := newPortInfo(a.config(), st)
	out := []MACEntry{}
	for _, f := range fs {
		e, ok := decodeLearned(f, pi)
		if !ok || (vni != 0 && e.VNI != vni) {
			continue
		}
		out = append(out, e)
	}
	SortMACs(out)
	return out, nil
}

// SortMACs orders entries by VNI, then MAC.
func SortMACs(es []MACEntry) {
	sort.Slice(es, func(i, j int) bool {
		if es[i].VNI != es[j].VNI {
			return es[i].VNI < es[j].VNI
		}
		return es[i].MAC < es[j].MAC
	})
}

// decodeLearned reads one learned flow: match reg0 (VNI) and dl_dst, actions
// loading reg2 (remote VTEP, 0 for local) and reg3[0..15] (port). It
// reports false for flows that do not have that shape.
func decodeLearned(f ofapp.FlowStats, pi portInfo) (MACEntry, bool) {
	c := pipeline.Cookie(f.Cookie)
	feat := c.Feature()
	if feat != pipeline.FeatureLearnedRemote && feat != pipeline.FeatureLearnedLocal {
		return MACEntry{}, false
	}
	e := MACEntry{VNI: c.VNI(), Remote: feat == pipeline.FeatureLearnedRemote,
		Age: f.Duration.Seconds(), IdleTimeout: f.IdleTimeout, HardTimeout: f.HardTimeout, Hits: f.Packets}
	for _, m := range f.Match {
		switch m.Name() {
		case "dl_dst":
			e.MAC = net.HardwareAddr(m.Value).String()
		case "reg0":
			if len(m.Value) == 4 {
				e.VNI = binary.BigEndian.Uint32(m.Value) & 0xffffff
			}
		}
	}
	if e.MAC == "" {
		return MACEntry{}, false
	}
	var vtep uint32
	for _, act := range f.Actions {
		reg, v, ok := regLoad(act)
		if !ok {
			continue
		}
		switch reg {
		case 2:
			vtep = uint32(v)
		case 3:
			e.OFPort = uint32(v & 0xffff)
		}
	}
	if vtep != 0 {
		e.VTEP = ipv4(vtep).String()
	}
	e.Port = pi.name(e.OFPort)
	if !e.Remote {
		e.VLAN = pi.vlan(e.OFPort, e.VNI)
	}
	return e, true
}

// regLoad recognises a load of an immediate into a register, in the two
// forms a switch reports it: Nicira reg_load (partial registers) and an
// OpenFlow 1.3 set_field of a whole NXM_NX_REGn, which the flow model keeps
// as a RawAction.
func regLoad(a ofapp.Action) (reg int, value uint64, ok bool) {
	switch a := a.(type) {
	case ofapp.RegLoad:
		if a.Dst.Field.Class == ofapp.ClassNXM1 && a.Dst.Field.Field < 16 && a.Dst.Field.Bytes == 4 {
			return int(a.Dst.Field.Field), a.Value << a.Dst.Ofs, true
		}
	case ofapp.RawAction:
		b := a.Bytes
		// set_field (type 25), OXM class NXM1, no mask, 4-byte value.
		if len(b) >= 12 && binary.BigEndian.Uint16(b) == 25 &&
			binary.BigEndian.Uint16(b[4:]) == ofapp.ClassNXM1 && b[6]&1 == 0 && b[7] == 4 && b[6]>>1 < 16 {
			return int(b[6] >> 1), uint64(binary.BigEndian.Uint32(b[8:])), true
		}
	}
	return 0, 0, false
}

func ipv4(v uint32) net.IP {
	return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

func init() {
	registerHooks = append(registerHooks, func(a *Agent, mux *http.ServeMux) {
		mux.HandleFunc("GET /v1/macs", func(w http.ResponseWriter, r *http.Request) {
			q, err := parseFlowQuery(r.URL.Query())
			if err != nil {
				writeError(w, http.StatusBadRequest, err)
				return
			}
			ms, err := a.MACs(r.Context(), q.VNI)
			if err != nil {
				writeError(w, http.StatusServiceUnavailable, err)
				return
			}
			writeJSON(w, ms)
		})
	})
}

// MACs reads GET /v1/macs (vni 0: every VNI).
func (c *Client) MACs(ctx context.Context, vni uint32) ([]MACEntry, error) {
	v := url.Values{}
	if vni != 0 {
		v.Set("vni", strconv.FormatUint(uint64(vni), 10))
	}
	var ms []MACEntry
	err := c.Get(ctx, "/v1/macs"+encodeQuery(v), &ms)
	return ms, err
}
