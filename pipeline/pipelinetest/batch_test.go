package pipelinetest

import (
	"strings"
	"testing"

	"github.com/vtep/vtep/ofapp"
)

func TestApplyBatch(t *testing.T) {
	flood := ofapp.Flow{Table: 50, Priority: 10, Cookie: 0x0501, Match: ofapp.Match{ofapp.MatchInPort(1)}, Actions: []ofapp.Action{ofapp.Group{ID: 7}}}
	fwd := ofapp.Flow{Table: 0, Priority: 5, Cookie: 0x0102, Match: ofapp.Match{ofapp.MatchInPort(2)}, Actions: []ofapp.Action{ofapp.Output{Port: 1}}}
	learned := ofapp.Flow{Table: 30, Priority: 100, Cookie: 0x1e03, Match: ofapp.Match{ofapp.MatchInPort(3)}}
	group := ofapp.GroupEntry{ID: 7, Type: ofapp.GroupAll, Buckets: []ofapp.Bucket{{Actions: []ofapp.Action{ofapp.Output{Port: 2}}}}}
	tests := []struct {
		name      string
		build     func(b *ofapp.Batch)
		wantErr   string
		wantFlows int // all tables, after the batch
		wantGroup bool
	}{
		{"flows and group", func(b *ofapp.Batch) { b.AddGroups(group); b.AddFlows(flood, fwd, learned) }, "", 3, true},
		{"flow using a missing group", func(b *ofapp.Batch) { b.AddFlows(fwd, flood) }, "group 7 does not exist", 0, false},
		{"group added twice", func(b *ofapp.Batch) { b.AddGroups(group, group) }, "group 7 exists", 0, false},
		{"missing group modified", func(b *ofapp.Batch) { b.ModifyGroups(group) }, "OFPGMFC_UNKNOWN_GROUP", 0, false},
		{"delete by cookie in a table", func(b *ofapp.Batch) {
			b.AddFlows(fwd, learned)
			b.DeleteByCookieInTable(30, 0x1e00, 0xff00)
		}, "", 2, false}, // deletes come before adds in a bundle
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sw := New(nil, nil)
			var b ofapp.Batch
			tt.build(&b)
			err := sw.Apply(&b)
			if (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Apply: err = %v, want %q", err, tt.wantErr)
			}
			if got := len(sw.FlowStats(0, 0)); got != tt.wantFlows {
				t.Errorf("%d flows after the batch, want %d", got, tt.wantFlows)
			}
			if got := len(sw.Groups()) == 1; got != tt.wantGroup {
				t.Errorf("group installed = %v, want %v", got, tt.wantGroup)
			}
		})
	}
}

func TestDeletesAndModify(t *testing.T) {
	a := ofapp.Flow{Table: 30, Priority: 100, Cookie: 0x1e03, Match: ofapp.Match{ofapp.MatchInPort(3)}}
	b := ofapp.Flow{Table: 40, Priority: 100, Cookie: 0x1e04, Match: ofapp.Match{ofapp.MatchInPort(3)}}
	g := ofapp.Flow{Table: 50, Priority: 1, Cookie: 0x0501, Actions: []ofapp.Action{ofapp.Group{ID: 7}}}
	sw := New([]ofapp.Flow{a, b, g}, []ofapp.GroupEntry{{ID: 7, Type: ofapp.GroupAll}})
	var batch ofapp.Batch
	changed := b
	changed.Cookie, changed.Actions = 0x9999, []ofapp.Action{ofapp.Output{Port: 4}}
	batch.ModifyFlows(changed)
	if err := sw.Apply(&batch); err != nil {
		t.Fatal(err)
	}
	got := sw.Flows(40)
	if len(got) != 1 || got[0].Cookie != b.Cookie || len(got[0].Actions) != 1 {
		t.Errorf("after modify: %v, want the actions replaced and the cookie kept", got)
	}
	if n := sw.DeleteByCookie(ofapp.CookieDelete{AllTables: true, Cookie: 0x1e00, Mask: 0xff00}); n != 2 {
		t.Errorf("delete by cookie in every table deleted %d, want 2", n)
	}
	sw.DeleteGroup(7)
	if fs := sw.FlowStats(0, 0); len(fs) != 0 || len(sw.Groups()) != 0 {
		t.Errorf("deleting a group left %v and groups %v; want its flows gone with it", fs, sw.Groups())
	}
	if sw.Delete(a.Key()) {
		t.Errorf("Delete of a missing flow reported one deleted")
	}
}

func TestApplyMeters(t *testing.T) {
	s := New(nil, nil)
	metered := ofapp.Flow{Table: 50, Priority: 10, Cookie: 0x0501, Match: ofapp.Match{ofapp.MatchInPort(1)}, Meter: 10,
		Actions: []ofapp.Action{ofapp.Output{Port: 2}}}
	var b ofapp.Batch
	b.AddFlows(metered)
	if err := s.Apply(&b); err == nil || !strings.Contains(err.Error(), "OFPMMFC_UNKNOWN_METER") {
		t.Fatalf("flow using a missing meter: %v", err)
	}
	b.Reset()
	b.AddMeters(ofapp.MeterEntry{ID: 10, PPS: 5, Burst: 10})
	b.AddFlows(metered)
	if err := s.Apply(&b); err != nil {
		t.Fatal(err)
	}
	if len(s.Meters()) != 1 || len(s.Flows(50)) != 1 {
		t.Fatalf("meters %v flows %v", s.Meters(), s.Flows(50))
	}
	b.Reset()
	b.AddMeters(ofapp.MeterEntry{ID: 10, PPS: 5, Burst: 10})
	if err := s.Apply(&b); err == nil || !strings.Contains(err.Error(), "OFPMMFC_METER_EXISTS") {
		t.Errorf("meter added twice: %v", err)
	}
	b.Reset()
	b.DeleteMeters(10)
	if err := s.Apply(&b); err != nil || len(s.Meters()) != 0 || len(s.Flows(50)) != 0 {
		t.Errorf("delete meter: %v, meters %v, flows %v", err, s.Meters(), s.Flows(50))
	}
}
