package pipeline

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/vtep/vtep/ofapp"
)

func TestCheckerRejects(t *testing.T) {
	ck := func() *Checker {
		return NewChecker(Tables(), []ofapp.GroupEntry{{ID: 10}})
	}
	cookie := uint64(NewCookie(FeatureFlood, 10))
	learn := func(table uint8, c Cookie, match ofapp.FieldRange) ofapp.Learn {
		return ofapp.Learn{Table: table, Priority: 100, Cookie: uint64(c), Specs: []ofapp.LearnSpec{ofapp.LearnMatchField{Dst: match, Src: match}}}
	}
	tests := []struct {
		name string
		f    ofapp.Flow
		want error
		text string
	}{
		{"undeclared table", ofapp.Flow{Table: 7, Cookie: cookie}, ErrUnknownTable, "table 7"},
		{"match not allowed", ofapp.Flow{Table: TableEgress, Cookie: cookie, Match: ofapp.Match{ofapp.MatchInPort(2)}}, ErrMatch, "in_port (allowed: reg0, reg1, reg3, dl_type, arp_op, nw_proto, icmpv6_type)"},
		{"goto not allowed", ofapp.Flow{Table: TableClassify, Cookie: cookie, Goto: TableEgress}, ErrGoto, "goto_table:40"},
		{"goto backwards", ofapp.Flow{Table: TableEgress, Cookie: cookie, Goto: TableTunnelIn}, ErrGoto, ""},
		{"resubmit not allowed", ofapp.Flow{Table: TableEgress, Cookie: cookie, Actions: []ofapp.Action{ofapp.Resubmit{Table: TableMAC}}}, ErrResubmit, "resubmit(,30)"},
		{"learn not allowed", ofapp.Flow{Table: TableEgress, Cookie: cookie, Actions: []ofapp.Action{learn(TableMAC, NewCookie(FeatureLearnedLocal, 10), RegVNI)}}, ErrLearn, "learn into table 30"},
		{"learned match not allowed in target", ofapp.Flow{Table: TableLocalIn, Cookie: cookie, Actions: []ofapp.Action{learn(TableMAC, NewCookie(FeatureLearnedLocal, 10), ofapp.Whole(ofapp.FieldTunIPv4Src))}}, ErrMatch, "learned flows in mac may not match tun_src"},
		{"learned cookie not learned", ofapp.Flow{Table: TableLocalIn, Cookie: cookie, Actions: []ofapp.Action{learn(TableMAC, NewCookie(FeatureFlood, 10), RegVNI)}}, ErrCookie, ""},
		{"missing group", ofapp.Flow{Table: TableFlood, Cookie: cookie, Actions: []ofapp.Action{ofapp.Group{ID: 11}}}, ErrGroup, "group:11"},
		{"foreign cookie", ofapp.Flow{Table: TableFlood, Cookie: 0x1}, ErrCookie, ""},
		{"prerequisite", ofapp.Flow{Table: TableClassify, Cookie: cookie, Match: ofapp.Match{ofapp.MatchIPv4DstAddr(net.IPv4(1, 2, 3, 4))}}, ErrPrerequisite, "nw_dst needs dl_type=0x0800"},
		{"bad load", ofapp.Flow{Table: TableClassify, Cookie: cookie, Actions: []ofapp.Action{ofapp.RegLoad{Dst: RegFromTunnel, Value: 2}}}, ErrInvalidFlow, ""},
		{"load into an undeclared register", ofapp.Flow{Table: TableFloodOut, Cookie: cookie, Actions: []ofapp.Action{ofapp.RegLoad{Dst: RegFromTunnel, Value: 1}}}, ErrWrite, "flood-out writes reg1 (allowed: )"},
		{"move into an undeclared register", ofapp.Flow{Table: TableEgress, Cookie: cookie, Actions: []ofapp.Action{ofapp.RegMove{Src: RegVNI, Dst: RegOutPort}}}, ErrWrite, "egress writes reg3"},
		{"learned flows write an undeclared register", ofapp.Flow{Table: TableLocalIn, Cookie: cookie, Actions: []ofapp.Action{ofapp.Learn{Table: TableMAC, Priority: 100,
			Cookie: uint64(NewCookie(FeatureLearnedLocal, 10)), Specs: []ofapp.LearnSpec{ofapp.LearnLoadValue{Dst: RegVNI, Value: 1}}}}}, ErrWrite, "learned flows: register write not allowed: mac writes reg0 (allowed: reg2, reg3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ck().Check(tt.f)
			var fe *FlowError
			if !errors.Is(err, tt.want) || !errors.As(err, &fe) {
				t.Fatalf("Check(%s) = %v, want a *FlowError wrapping %v", tt.f, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.f.String()) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not name the flow and %q", err, tt.text)
			}
		})
	}
	c := ck()
	f := ofapp.Flow{Table: TableFlood, Priority: 5, Cookie: cookie, Match: ofapp.Match{matchVNI(10)}}
	if err := c.Check(f); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(f); !errors.Is(err, ErrDuplicate) {
		t.Errorf("second flow with the same key: %v, want ErrDuplicate", err)
	}
	// The same fields in another order are the same key; another value,
	// mask or priority is not.
	two := ofapp.Flow{Table: TableFlood, Priority: 5, Cookie: cookie, Match: ofapp.Match{ofapp.MatchInPort(3), matchVNI(10)}}
	if err := c.Check(two); err != nil {
		t.Fatal(err)
	}
	swapped := two
	swapped.Match = ofapp.Match{matchVNI(10), ofapp.MatchInPort(3)}
	if err := c.Check(swapped); !errors.Is(err, ErrDuplicate) {
		t.Errorf("the same key with its fields swapped: %v, want ErrDuplicate", err)
	}
	for _, other := range []ofapp.Flow{
		{Table: TableFlood, Priority: 5, Cookie: cookie, Match: ofapp.Match{ofapp.MatchInPort(4), matchVNI(10)}},
		{Table: TableFlood, Priority: 5, Cookie: cookie, Match: ofapp.Match{ofapp.MatchInPort(3), ofapp.MatchReg(0, 10, 0xff)}},
		{Table: TableFlood, Priority: 6, Cookie: cookie, Match: ofapp.Match{ofapp.MatchInPort(3), matchVNI(10)}},
	} {
		if err := c.Check(other); err != nil {
			t.Errorf("%s: %v, want no duplicate", other, err)
		}
	}
}

func TestTablesDeclared(t *testing.T) {
	tables := Tables()
	for i, tb := range tables {
		if tb.Name == "" || tb.Doc == "" || TableName(tb.ID) != tb.Name {
			t.Errorf("table %d: name %q doc %q", tb.ID, tb.Name, tb.Doc)
		}
		if i > 0 && tb.ID <= tables[i-1].ID {
			t.Errorf("tables out of order: %d after %d", tb.ID, tables[i-1].ID)
		}
		for _, g := range tb.Goto {
			if g <= tb.ID || TableName(g) == "" {
				t.Errorf("table %s may goto %d: not a later declared table", tb.Name, g)
			}
		}
	}
	// Every flow Build makes lands in a declared table (Build checks each
	// flow; this guards the declarations themselves).
	for name, s := range goldenStates(t) {
		r := mustBuild(t, s)
		seen := map[uint8]bool{}
		for _, f := range r.Overlay {
			seen[f.Table] = true
		}
		for _, tb := range tables {
			if (tb.ID == TableTunnelOut || tb.ID == TableFloodOut) && s.Underlay.MTU == 0 {
				continue // only with the underlay's MTU known (oversize.go)
			}
			if (tb.ID == TableNeigh || tb.ID == TableARPResponder || tb.ID == TableNDAdvert) && !suppresses(s, NeighLearned, NeighStatic) ||
				tb.ID == TableNeighLearn && !suppresses(s, NeighLearned) {
				continue // only with ARP suppression (neigh.go)
			}
			if !seen[tb.ID] {
				t.Errorf("%s: no flow in table %s", name, tb.Name)
			}
		}
	}
}

// TestCheckerKeyCollision puts a key whose hash collides with a checked
// one's at the head of its chain: the checked key is still found behind
// it (the key's fields decide, not its hash), and a new key is not.
func TestCheckerKeyCollision(t *testing.T) {
	c := NewChecker(overlayTables, nil)
	a := ofapp.Flow{Table: TableEgress, Priority: 100, Match: ofapp.Match{matchVNI(10), matchOutPort(2)}}
	b := ofapp.Flow{Table: TableEgress, Priority: 100, Match: ofapp.Match{matchVNI(10), matchOutPort(3)}}
	if c.duplicate(a) {
		t.Fatal("first key taken for a duplicate")
	}
	// b's hash made to collide with a's: the same chain
	bp := textBufs.Get().(*[]byte)
	text := a.Match.AppendText((*bp)[:0])
	textBufs.Put(bp)
	var ha uint64
	for h, i := range c.keys {
		if c.keyed[i].match.String() == string(text) {
			ha = h
		}
	}
	c.keyed = append(c.keyed, keyRef{table: b.Table, prio: b.Priority, match: b.Match, next: c.keys[ha]})
	c.keys[ha] = int32(len(c.keyed) - 1)
	if !c.duplicate(a) {
		t.Error("a second time, behind a colliding key: not taken for a duplicate")
	}
	d := ofapp.Flow{Table: TableEgress, Priority: 100, Match: ofapp.Match{matchVNI(10), matchOutPort(4)}}
	if c.duplicate(d) {
		t.Error("a new key taken for a duplicate")
	}
}
