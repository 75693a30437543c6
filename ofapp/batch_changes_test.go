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
	got := b.Changes()
	want := []struct{ op, text string }{
		{"add group", "group_id=7,type=all"},
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
	if got[2].Flow == nil || got[2].Flow.Table != 10 || got[0].Group == nil || got[0].Group.ID != 7 {
		t.Errorf("changes do not carry their flow or group: %+v", got)
	}
}
