package pipeline

import (
	"net"

	"github.com/vtep/vtep/ofapp"
)

// Learning pauses. A MAC limit (limits.go) bounds the MAC table, but not
// what a flood of new source MACs costs the switch: every flow that looks
// at the whole source MAC makes OVS cache a datapath flow per source, so
// each new source is a datapath miss, translated in ovs-vswitchd, and a
// cached flow of its own, limit or not. A VM sending random sources then
// costs every VTEP of its network thousands of misses a second, and the
// unrelated traffic on those switches loses packets.
//
// So once the limit refuses a burst of sources, the place the last one came
// from stops learning for a while. The mac-limit flow that counts a
// refusal also records the refused source in table mac-refused (hard
// timeout LearnPauseSeconds, at most PauseBurst records per VNI); when
// that record is refused in turn (PauseBurst other sources were refused
// in the VNI within LearnPauseSeconds: a flood, not a VM or two beyond
// the limit), pause-trigger learns a pause entry into table learn-pause,
// keyed on the place (the local port, or the remote VTEP's address) and
// the VNI, for LearnPauseSeconds. A source refused again and again (one
// VM too many) refreshes its one record and never pauses anything, so
// the place's learned MACs keep being refreshed. Frames from a paused
// place skip the learn action and are forwarded as before (their sources
// stay unknown, frames to them flood, entries already learned keep
// working), and nothing they pass looks at their source MAC beyond a few
// bits: the whole flood shares one datapath flow. When the pause ends,
// the next burst starts another; entries of the place are refreshed by
// frames seen between pauses. Secured ports never pause (their sources are checked exactly),
// and the pause entries of a VNI are bounded (pauseLimit).
//
//	 0 classify:     accepted frames: resubmit(,3), then goto 10 or 20
//	 3 source-check: one flow per source bit but the group bit (which
//	                 classify drops), the first byte's first: a set bit
//	                 means a valid source, resubmit(,5); none: reg1[5] = 1
//	 5 learn-pause:  learned (VNI, in_port) or (VNI, tun_src) -> reg1[4] = 1
//	10, 20:          reg1[5] = 1: drop (counted as invalid-source);
//	                 reg1[4] = 1: resubmit(,30), goto 40 without learning
//	                 (counted as refused, the mac-limit count)
//	25 mac-limit:    a refused source: record it in 26, resubmit(,27)
//	26 mac-refused:  learned records (VNI, source), never looked up
//	27 pause-trigger: the record was refused (a burst): learn the pause
//	                 of the place into 5
//
// Source-check replaces an exact match on the all-zero source, which made
// every frame's cached flow carry its whole source MAC: a frame's cached
// flow now carries its source's bits up to the first set one, so at most
// 48 cached flows cover every source.
const (
	TableSourceCheck  uint8 = 3
	TableLearnPause   uint8 = 5
	TableMACRefused   uint8 = 26
	TablePauseTrigger uint8 = 27

	// LearnPauseSeconds is how long a place stops learning after a burst
	// of refused sources, and how long a refused source is recorded.
	LearnPauseSeconds = 10
	// PauseBurst is how many sources the limit must refuse in a VNI
	// within LearnPauseSeconds before the next refusal pauses its place.
	PauseBurst = 32

	prioZeroSource = 230 // tunnel-in, local-in: all-zero source, above everything
	prioPaused     = 105 // tunnel-in, local-in: a paused place, under the secured and frozen MACs' drops
	pauseLimit     = 1024
)

// sourceCheck: table 3. Bits are tried from the first byte's second bit
// (the local bit: most VM MACs have it) to the last byte's last.
func (b *builder) sourceCheck(out []ofapp.Flow) []ofapp.Flow {
	pause := []ofapp.Action{ofapp.Resubmit{Table: TableLearnPause}}
	prio := uint16(prioHigh)
	for byteIdx := range 6 {
		for bit := range 8 {
			if byteIdx == 0 && bit == 0 {
				continue // the group bit: classify drops those
			}
			m := make(net.HardwareAddr, 6)
			m[byteIdx] = 1 << bit
			out = append(out, flow(TableSourceCheck, prio, FeatureSourceValid, 0,
				ofapp.Match{ofapp.MatchEthSrcMasked(m, m)}, pause, 0))
			prio--
		}
	}
	out = append(out, flow(TableSourceCheck, prioDefault, FeatureSourceZero, 0, nil,
		[]ofapp.Action{ofapp.RegLoad{Dst: RegZeroSource, Value: 1}}, 0))
	return append(out, flow(TableLearnPause, prioDefault, FeatureLearnActive, 0, nil, nil, 0))
}

// zeroSourceDrop is tunnel-in's or local-in's drop of what source-check
// found all-zero.
func zeroSourceDrop(table uint8) ofapp.Flow {
	return flow(table, prioZeroSource, FeatureDropInvalidSource, 0,
		ofapp.Match{ofapp.MatchReg(1, 1<<5, 1<<5)}, nil, 0)
}

// pausedFlow forwards a paused place's frames of n without learning: match
// is the place (nothing more for the tunnel, in_port for a local port).
func pausedFlow(table uint8, n network, match ...ofapp.MatchField) ofapp.Flow {
	m := append(match, matchVNI(n.VNI), ofapp.MatchReg(1, 1<<4, 1<<4))
	return flow(table, prioPaused, FeatureLearningPaused, n.VNI, m,
		[]ofapp.Action{ofapp.Resubmit{Table: TableMAC}}, TableEgress)
}

// refusedRecord is the learn action of a limited VNI's mac-limit flow: a
// record of the refused source in mac-refused, whose refusal (reg1[6] = 0)
// tells pause-trigger that a burst of sources was refused.
func refusedRecord(vni uint32) ofapp.Learn {
	return ofapp.Learn{Table: TableMACRefused, Priority: prioNormal, HardTimeout: LearnPauseSeconds,
		Cookie: uint64(NewCookie(FeatureLearnedRefused, vni)), Limit: PauseBurst, ResultDst: RegRecorded,
		Specs: []ofapp.LearnSpec{
			ofapp.LearnMatchField{Dst: RegVNI, Src: RegVNI},
			ofapp.LearnMatchField{Dst: ethDstWhole, Src: ethSrcWhole},
		}}
}

// pauseTrigger: table 27. Per limited VNI, a refused record from the
// tunnel pauses the sending VTEP, one from a local port that port; any
// other frame passes.
func (b *builder) pauseTrigger(out []ofapp.Flow) []ofapp.Flow {
	for _, n := range b.nets {
		if b.remoteLimit(n) != 0 {
			out = append(out, flow(TablePauseTrigger, prioNormal, FeatureRefusedBurst, n.VNI,
				ofapp.Match{matchVNI(n.VNI), ofapp.MatchReg(1, 1, 1|1<<6)}, []ofapp.Action{pauseLearn(n.VNI, tunSrcWhole)}, 0))
		}
		if b.localLimit(n) != 0 {
			out = append(out, flow(TablePauseTrigger, prioNormal, FeatureRefusedBurst, n.VNI,
				ofapp.Match{matchVNI(n.VNI), ofapp.MatchReg(1, 0, 1|1<<6)}, []ofapp.Action{pauseLearn(n.VNI, inPortWhole)}, 0))
		}
	}
	return append(out, flow(TableMACRefused, prioDefault, FeatureMACRefusedMiss, 0, nil, nil, 0),
		flow(TablePauseTrigger, prioDefault, FeatureNoBurst, 0, nil, nil, 0))
}

// pauseLearn is the learn action of pause-trigger: the place (place, the
// field it is matched on) stops learning in the VNI.
func pauseLearn(vni uint32, place ofapp.FieldRange) ofapp.Learn {
	return ofapp.Learn{Table: TableLearnPause, Priority: prioNormal, HardTimeout: LearnPauseSeconds,
		Cookie: uint64(NewCookie(FeatureLearnedPause, vni)), Limit: pauseLimit,
		Specs: []ofapp.LearnSpec{
			ofapp.LearnMatchField{Dst: RegVNI, Src: RegVNI},
			ofapp.LearnMatchField{Dst: place, Src: place},
			ofapp.LearnLoadValue{Dst: RegLearnPaused, Value: 1},
		}}
}
