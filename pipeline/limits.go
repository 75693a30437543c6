package pipeline

import "github.com/vtep/vtep/ofapp"

// remoteLimit is the learn limit of the MACs learned behind remote VTEPs in
// n: its MaxMACs (0: none). Learned-remote flows of a VNI share one cookie,
// and OVS counts a learn action's limit per cookie.
func (b *builder) remoteLimit(n network) uint32 { return n.MaxMACs }

// localLimit is the learn limit of the MACs learned on one local port in n:
// the smaller of n's MaxMACs and MaxMACsPerPort that is set. Each (port,
// VNI) has its own learned-local cookie.
func (b *builder) localLimit(n network) uint32 {
	p := b.d.MaxMACsPerPort
	if n.MaxMACs != 0 && (p == 0 || n.MaxMACs < p) {
		return n.MaxMACs
	}
	return p
}

// learnActions are a learning flow's actions: the learn action l (with
// limit, and then result_dst and a resubmit to mac-limit, which counts a
// refusal), then the MAC lookup.
func learnActions(l ofapp.Learn, limit uint32) []ofapp.Action {
	if limit == 0 {
		return []ofapp.Action{l, ofapp.Resubmit{Table: TableMAC}}
	}
	l.Limit, l.ResultDst = limit, RegLearned
	return []ofapp.Action{l, ofapp.Resubmit{Table: TableMACLimit}, ofapp.Resubmit{Table: TableMAC}}
}

// macLimit: table 25. A flow per limited VNI counts the frames whose
// learn action the limit refused (reg1[1] = 0) and records the refused
// source, which may pause learning from its place (pause.go); the default
// flow takes the rest. None forwards: resubmit returns to the learning
// flow.
func (b *builder) macLimit(out []ofapp.Flow) []ofapp.Flow {
	for _, n := range b.nets {
		if b.remoteLimit(n) != 0 || b.localLimit(n) != 0 {
			out = append(out, flow(TableMACLimit, prioNormal, FeatureMACLimit, n.VNI,
				ofapp.Match{matchVNI(n.VNI), ofapp.MatchReg(1, 0, 0x2)},
				[]ofapp.Action{refusedRecord(n.VNI), ofapp.Resubmit{Table: TablePauseTrigger}}, 0))
		}
	}
	out = append(out, flow(TableMACLimit, prioDefault, FeatureMACLimitOK, 0, nil, nil, 0))
	return b.pauseTrigger(out)
}
