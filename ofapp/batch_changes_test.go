package ofapp

import "testing"

func TestBatchChanges(t *testing.T) {
	b := &Batch{}
	add := Flow{Table: 10, Priority: 5, Match: Match{MatchInPort(1)}, Actions: []Action{Output{Port: 2}}}
	del := Flow{Table: 20, Priority: 1}
	b.AddFlows(add)
	b.DeleteFlows(del)
	b.AddGroups(GroupEntry{ID: 7, Type: GroupAll})
	b.DeleteGroups(9)
	b.DeleteByCookieInTable(30, 0x12, 0xff)
	b.DeleteByCookie(0x34, 0xf0)
	got := b.Changes()
	want := []struct{ op, text string }{
		{"add group", "group_id=7,type=all"},
		{"delete flows by cookie", "table=30,cookie=0x12/0xff"},
		{"delete flows by cookie", "cookie=0x34/0xf0"},
		{"delete flow", del.String()},
		{"add flow", add.String()},
		{"delete group", "group_id=9"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d changes, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Op != w.op || got[i].Text != w.text {
			t.Errorf("change %d = %q %q, want %q %q", i, got[i].Op, got[i].Text, w.op, w.text)
		}
	}
	if got[4].Flow == nil || got[4].Flow.Table != 10 || got[0].Group == nil || got[0].Group.ID != 7 {
		t.Errorf("changes do not carry their flow or group: %+v", got)
	}
	for i, want := range []CookieDelete{{Table: 30, Cookie: 0x12, Mask: 0xff}, {Table: 0xff, AllTables: true, Cookie: 0x34, Mask: 0xf0}} {
		if c := got[1+i].Cookie; c == nil || *c != want {
			t.Errorf("change %d: cookie delete %+v, want %+v", 1+i, c, want)
		}
	}
}
