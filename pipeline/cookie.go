package pipeline

import (
	"fmt"
	"sort"
	"sync"

	"github.com/vtep/vtep/ofapp"
)

// Cookie is the 64-bit OpenFlow cookie vtep puts on every flow it programs
// and every flow the switch learns for it:
//
//	 63      56 55                              24 23                     0
//	+----------+----------------------------------+------------------------+
//	| feature  |              digest              |          VNI           |
//	+----------+----------------------------------+------------------------+
//	 feature:  which part of the pipeline made the flow (Feature). Bit 62 is
//	           set on every vtep flow, bit 63 on flows made by `learn`.
//	 digest:   the low 32 bits of FNV-1a over the flow's ovs-ofctl text
//	           printed with the digest bits zero. Flows with equal keys
//	           (table, priority, match) but different actions or timeouts
//	           get different cookies, so the controller sees "actions
//	           changed" by comparing cookies and never decodes actions read
//	           back from the switch. On learned flows it is not a digest:
//	           learned-local flows carry the OpenFlow port the MAC was
//	           learned on (LearnedLocalCookie), so one delete by cookie
//	           removes a departed port's MACs (LearnedOnPort); 0 on
//	           learned-remote flows.
//	 VNI:      the network the flow serves; 0 for flows shared by all.
type Cookie uint64

// Bit positions and masks of the cookie's parts.
const (
	cookieFeatureShift = 56
	cookieDigestShift  = 24

	// CookieFeatureMask covers the feature byte.
	CookieFeatureMask Cookie = 0xff << cookieFeatureShift
	// CookieDigestMask covers the digest.
	CookieDigestMask Cookie = 0xffffffff << cookieDigestShift
	// CookieVNIMask covers the VNI.
	CookieVNIMask Cookie = 0xffffff
)

// Cookie masks and values selecting groups of flows, for flow stats requests
// and deletes (cookie & mask == value).
const (
	// VtepMask/VtepValue select every flow vtep made or learned.
	VtepMask  Cookie = Cookie(featureVtep) << cookieFeatureShift
	VtepValue Cookie = VtepMask
	// ProgrammedMask/ProgrammedValue select the flows the controller
	// installs (not learned ones).
	ProgrammedMask  Cookie = Cookie(featureVtep|featureLearned) << cookieFeatureShift
	ProgrammedValue Cookie = Cookie(featureVtep) << cookieFeatureShift
	// LearnedMask/LearnedValue select flows made by the learn action.
	LearnedMask  Cookie = ProgrammedMask
	LearnedValue Cookie = Cookie(featureVtep|featureLearned) << cookieFeatureShift
)

// Feature names the part of the pipeline a flow belongs to.
type Feature uint8

const (
	featureVtep    Feature = 0x40
	featureLearned Feature = 0x80
)

// Features of programmed flows.
const (
	FeatureClassifyTunnel     = featureVtep | 1  // table 0: tunnel packet with a known VNI
	FeatureClassifyVLAN       = featureVtep | 2  // table 0: access or trunk port VLAN -> VNI
	FeatureClassifySubnet     = featureVtep | 3  // table 0: untagged port, destination subnet -> VNI
	FeatureDropUnknownVNI     = featureVtep | 4  // table 0: tunnel packet with an unknown VNI (counted)
	FeatureDropUnknownVLAN    = featureVtep | 5  // table 0: anything else (counted)
	FeatureLearnRemote        = featureVtep | 6  // table 10: learn MAC+VNI -> remote VTEP
	FeatureLearnLocal         = featureVtep | 7  // table 20: learn MAC+VNI -> local port
	FeatureNoLearn            = featureVtep | 8  // tables 10, 20: anything the learn flows do not take (a safety net: classify drops invalid sources)
	FeatureMACMiss            = featureVtep | 9  // table 30: unknown destination leaves reg3 = 0
	FeatureEgressSplitHorizon = featureVtep | 10 // table 40: from the tunnel to a remote MAC: drop
	FeatureEgressTunnel       = featureVtep | 11 // table 40: to the remote VTEP in reg2
	FeatureEgress             = featureVtep | 12 // table 40: to a local port, VLAN tag per port
	FeatureEgressMiss         = featureVtep | 13 // table 40: unknown destination -> flood
	FeatureFlood              = featureVtep | 14 // table 50: BUM frames of a VNI
	FeatureUnderlayJoin       = featureVtep | 15 // underlay table 0: group traffic -> this VTEP
	FeatureUnderlayNormal     = featureVtep | 16 // underlay table 0: everything else, normal switching
	FeatureDropUntrustedVTEP  = featureVtep | 17 // table 0: tunnel packet from an outer source outside the trusted VTEPs (counted)
	FeatureDropInvalidSource  = featureVtep | 18 // table 0: multicast, broadcast or all-zero source MAC (counted)
	FeatureDropStackedVLAN    = featureVtep | 19 // table 0: a second VLAN tag behind the first (QinQ, 802.1ad) (counted)
	FeatureDropPortSecurity   = featureVtep | 20 // tables 10, 20: a secured port's frame from another MAC (or ARP/IPv4 from another address), or a secured MAC elsewhere (counted)
	FeatureMACStatic          = featureVtep | 21 // table 30: a secured port's MAC, static, above learned entries
	FeatureMACLimit           = featureVtep | 22 // table 25: a frame whose source was not learned: max_macs reached (counted)
	FeatureMACLimitOK         = featureVtep | 23 // table 25: anything else
	FeatureFrozenMAC          = featureVtep | 24 // tables 10, 20, 30: a flapping MAC frozen at one place (frozen.go)
	FeatureDropFrozenMAC      = featureVtep | 25 // tables 10, 20: a frozen MAC's frames from elsewhere (counted)
	FeatureDropOversize       = featureVtep | 26 // table 45: a frame too long for the underlay once encapsulated (counted; oversize.go)
	FeatureTunnelOut          = featureVtep | 27 // table 45: to the remote VTEP in reg2, after the size check
	FeatureNeighLearn         = featureVtep | 28 // table 33: learn an ARP sender's binding (neigh.go)
	FeatureNeighNoLearn       = featureVtep | 29 // table 33: ARP senders not learned (probes, invalid or disallowed senders)
	FeatureNeighStatic        = featureVtep | 30 // table 35: a static binding (Network.Neighbours, secured ports' IPs)
	FeatureNeighGratuitous    = featureVtep | 31 // table 35: a gratuitous ARP for a static binding: not answered
	FeatureNeighMiss          = featureVtep | 32 // table 35: no binding
	FeatureARPLookup          = featureVtep | 33 // table 40: an ARP request from a local port: look up its target
	FeatureARPReply           = featureVtep | 34 // table 48: answered by the VTEP (counted per VNI)
	FeatureARPFlood           = featureVtep | 35 // table 48: no binding: flooded (counted per VNI)
	FeatureNDLookup           = featureVtep | 36 // table 40: a neighbour solicitation from a local port: look up its target
	FeatureNDReply            = featureVtep | 37 // table 48: a solicitation turned into an advertisement (counted per VNI)
	FeatureNDAdvert           = featureVtep | 38 // table 49: the advertisement's target link-layer address, back to the port
	FeatureNDNoAnswer         = featureVtep | 39 // table 35: a solicitation without a source link-layer option (DAD): not answered
	FeatureMACEVPN            = featureVtep | 40 // table 30: an EVPN network's MAC behind a remote VTEP, from BGP (below learned entries)
	FeatureEVPNTunnelIn       = featureVtep | 41 // table 10: an EVPN network's frame from a VTEP BGP announced: no learning
	FeatureFloodOut           = featureVtep | 42 // table 55: a BUM frame's tunnel copy after the size check (oversize.go)
	FeatureSourceValid        = featureVtep | 43 // table 3: a source MAC with this bit set: on to learn-pause (pause.go)
	FeatureSourceZero         = featureVtep | 44 // table 3: no bit set: the all-zero source, dropped by tables 10 and 20
	FeatureLearnActive        = featureVtep | 45 // table 5: a place that learns
	FeatureLearningPaused     = featureVtep | 46 // tables 10, 20: a paused place's frame: forwarded, not learned (counted with mac-limit)
	FeatureRefusedBurst       = featureVtep | 47 // table 27: a burst of refused sources: pause the place (pause.go)
	FeatureNoBurst            = featureVtep | 48 // table 27: anything else
	FeatureMACRefusedMiss     = featureVtep | 49 // table 26: its default flow (the table is never looked up)
)

// Features of flows the switch makes with the learn action.
const (
	FeatureLearnedRemote          = featureVtep | featureLearned | 1 // MAC+VNI behind a remote VTEP
	FeatureLearnedLocal           = featureVtep | featureLearned | 2 // MAC+VNI on a local port
	FeatureLearnedNeigh           = featureVtep | featureLearned | 3 // IP+VNI -> MAC binding learned from an ARP sender
	FeatureLearnedNeighGratuitous = featureVtep | featureLearned | 4 // a gratuitous ARP for a learned binding: not answered
	FeatureLearnedPause           = featureVtep | featureLearned | 5 // a place whose source the MAC limit refused: learning paused (pause.go)
	FeatureLearnedRefused         = featureVtep | featureLearned | 6 // a source the MAC limit refused, recorded to tell a burst (pause.go)
)

var featureNames = map[Feature]string{
	FeatureClassifyTunnel:         "classify-tunnel",
	FeatureClassifyVLAN:           "classify-vlan",
	FeatureClassifySubnet:         "classify-subnet",
	FeatureDropUnknownVNI:         "drop-unknown-vni",
	FeatureDropUnknownVLAN:        "drop-unknown-vlan",
	FeatureLearnRemote:            "learn-remote",
	FeatureLearnLocal:             "learn-local",
	FeatureNoLearn:                "no-learn",
	FeatureMACMiss:                "mac-miss",
	FeatureEgressSplitHorizon:     "egress-split-horizon",
	FeatureEgressTunnel:           "egress-tunnel",
	FeatureEgress:                 "egress",
	FeatureEgressMiss:             "egress-miss",
	FeatureFlood:                  "flood",
	FeatureUnderlayJoin:           "underlay-join",
	FeatureUnderlayNormal:         "underlay-normal",
	FeatureDropUntrustedVTEP:      "drop-untrusted-vtep",
	FeatureDropInvalidSource:      "drop-invalid-source",
	FeatureDropStackedVLAN:        "drop-stacked-vlan",
	FeatureDropPortSecurity:       "drop-port-security",
	FeatureMACStatic:              "mac-static",
	FeatureMACLimit:               "mac-limit",
	FeatureMACLimitOK:             "mac-limit-ok",
	FeatureFrozenMAC:              "frozen-mac",
	FeatureDropFrozenMAC:          "drop-frozen-mac",
	FeatureDropOversize:           "drop-oversize",
	FeatureTunnelOut:              "tunnel-out",
	FeatureNeighLearn:             "neigh-learn",
	FeatureNeighNoLearn:           "neigh-no-learn",
	FeatureNeighStatic:            "neigh-static",
	FeatureNeighGratuitous:        "neigh-gratuitous",
	FeatureNeighMiss:              "neigh-miss",
	FeatureARPLookup:              "arp-lookup",
	FeatureARPReply:               "arp-reply",
	FeatureARPFlood:               "arp-flood",
	FeatureNDLookup:               "nd-lookup",
	FeatureNDReply:                "nd-reply",
	FeatureNDAdvert:               "nd-advert",
	FeatureNDNoAnswer:             "nd-no-answer",
	FeatureLearnedNeigh:           "learned-neigh",
	FeatureLearnedNeighGratuitous: "learned-neigh-gratuitous",
	FeatureMACEVPN:                "mac-evpn",
	FeatureEVPNTunnelIn:           "evpn-tunnel-in",
	FeatureFloodOut:               "flood-out",
	FeatureSourceValid:            "source-valid",
	FeatureSourceZero:             "source-zero",
	FeatureLearnActive:            "learn-active",
	FeatureLearningPaused:         "learning-paused",
	FeatureLearnedPause:           "learned-pause",
	FeatureLearnedRefused:         "learned-refused",
	FeatureRefusedBurst:           "refused-burst",
	FeatureNoBurst:                "no-burst",
	FeatureMACRefusedMiss:         "mac-refused-miss",
	FeatureLearnedRemote:          "learned-remote",
	FeatureLearnedLocal:           "learned-local",
}

// dropReasons are the features of flows that drop frames on purpose, by
// the reason metrics count them under.
var dropReasons = map[Feature]string{
	FeatureDropUnknownVNI:    "unknown-vni",
	FeatureDropUnknownVLAN:   "unknown-vlan",
	FeatureDropUntrustedVTEP: "untrusted-vtep",
	FeatureDropInvalidSource: "invalid-source",
	FeatureDropStackedVLAN:   "stacked-vlan",
	FeatureDropPortSecurity:  "port-security",
	FeatureDropFrozenMAC:     "frozen-mac",
	FeatureDropOversize:      "oversize",
}

// DropReason returns the reason a flow of feature f drops frames for
// ("unknown-vni", "untrusted-vtep", ...), or "" if f is no drop feature.
func (f Feature) DropReason() string { return dropReasons[f] }

// DropReasons returns every drop reason, sorted.
func DropReasons() []string {
	out := make([]string, 0, len(dropReasons))
	for _, r := range dropReasons {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Features returns every feature, in numeric order.
func Features() []Feature {
	var out []Feature
	for f := range 256 {
		if _, ok := featureNames[Feature(f)]; ok {
			out = append(out, Feature(f))
		}
	}
	return out
}

// String returns the feature's name, or feature-0xNN for unknown values.
func (f Feature) String() string {
	if n, ok := featureNames[f]; ok {
		return n
	}
	return fmt.Sprintf("feature-0x%02x", uint8(f))
}

// Learned reports whether flows of this feature are made by the switch's
// learn action rather than installed by the controller.
func (f Feature) Learned() bool { return f&(featureVtep|featureLearned) == featureVtep|featureLearned }

// NewCookie returns the cookie of a flow of feature f serving vni (0 for
// none), with a zero digest.
func NewCookie(f Feature, vni uint32) Cookie {
	return Cookie(f)<<cookieFeatureShift | Cookie(vni)&CookieVNIMask
}

// LearnedLocalCookie returns the cookie of the flows the learn action of
// local port port in network vni makes: feature learned-local, the port in
// the digest bits, the VNI.
func LearnedLocalCookie(vni, port uint32) Cookie {
	return NewCookie(FeatureLearnedLocal, vni).WithDigest(port)
}

// LearnedOnPort returns the cookie value and mask (cookie & mask == value)
// that select the learned flows of MACs learned on local port port, in
// every VNI.
func LearnedOnPort(port uint32) (value, mask Cookie) {
	return LearnedLocalCookie(0, port), CookieFeatureMask | CookieDigestMask
}

// Port returns the port of a learned-local cookie, 0 for other cookies.
func (c Cookie) Port() uint32 {
	if c.Feature() != FeatureLearnedLocal {
		return 0
	}
	return c.Digest()
}

// Feature returns the feature byte.
func (c Cookie) Feature() Feature { return Feature(c >> cookieFeatureShift) }

// VNI returns the VNI part (0: not tied to one VNI).
func (c Cookie) VNI() uint32 { return uint32(c & CookieVNIMask) }

// Digest returns the digest part.
func (c Cookie) Digest() uint32 { return uint32((c & CookieDigestMask) >> cookieDigestShift) }

// WithDigest returns the cookie with its digest set to d.
func (c Cookie) WithDigest(d uint32) Cookie {
	return c&^CookieDigestMask | Cookie(d)<<cookieDigestShift
}

// IsVtep reports whether the cookie belongs to a flow vtep made or learned.
func (c Cookie) IsVtep() bool { return c&VtepMask == VtepValue }

// String prints the cookie as "FEATURE vni=N digest=0xD" (vni and digest
// left out when zero), or "learned-local vni=N port=P" for a learned-local
// cookie with a port.
func (c Cookie) String() string {
	s := c.Feature().String()
	if v := c.VNI(); v != 0 {
		s += fmt.Sprintf(" vni=%d", v)
	}
	if p := c.Port(); p != 0 {
		s += fmt.Sprintf(" port=%d", p)
	} else if d := c.Digest(); d != 0 {
		s += fmt.Sprintf(" digest=0x%08x", d)
	}
	return s
}

// FlowDigest computes the digest of a flow: FNV-1a over its String with the
// cookie's digest bits zeroed.
func FlowDigest(f ofapp.Flow) uint32 {
	f.Cookie = uint64(Cookie(f.Cookie).WithDigest(0))
	bp := textBufs.Get().(*[]byte)
	text := f.AppendText((*bp)[:0])
	h := uint32(fnvOffset32)
	for _, c := range text {
		h ^= uint32(c)
		h *= fnvPrime32
	}
	*bp = text
	textBufs.Put(bp)
	return h
}

// FNV-1a's 32-bit parameters (hash/fnv), inlined: Build digests every flow.
const (
	fnvOffset32 = 2166136261
	fnvPrime32  = 16777619
)

// textBufs holds the buffers flows are printed into for their digest.
var textBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Seal sets the digest of a flow's cookie (see Cookie) and returns the flow.
func Seal(f ofapp.Flow) ofapp.Flow {
	f.Cookie = uint64(Cookie(f.Cookie).WithDigest(FlowDigest(f)))
	return f
}
