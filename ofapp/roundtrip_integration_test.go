package ofapp_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vtep/vtep/ofapp"
)

// dumpLines returns dump-flows --no-stats output as sorted lines without the
// reply header, so two dumps compare as sets.
func dumpLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "OFPST_FLOW") || strings.HasPrefix(l, "NXST_FLOW") {
			continue
		}
		lines = append(lines, l)
	}
	sort.Strings(lines)
	return lines
}

// TestIntegrationRoundTripMatchesOvsOfctl proves the encoders: every match
// and action kind of the model, installed through ofapp, dumps exactly as the
// same flow text added by ovs-ofctl, and reads back through flow stats into
// flows with the same Key and actions.
func TestIntegrationRoundTripMatchesOvsOfctl(t *testing.T) {
	l, sw := newLab(t, ofapp.Config{})
	ctx := ctxT(t)
	flows, groups := ofapp.SampleFlows(), ofapp.SampleGroups()

	var b ofapp.Batch
	b.AddGroups(groups...)
	b.AddFlows(flows...)
	if err := sw.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	viaOfapp := dumpLines(l.ofctl(t, "dump-flows", "--no-stats"))
	if len(viaOfapp) != len(flows) {
		t.Fatalf("dump-flows shows %d flows, want %d:\n%s", len(viaOfapp), len(flows), strings.Join(viaOfapp, "\n"))
	}
	t.Logf("installed:\n%s", strings.Join(viaOfapp, "\n"))
	groupsViaOfapp := l.ofctl(t, "dump-groups")

	// The same flows as text, through ovs-ofctl.
	l.ofctl(t, "del-flows")
	l.ofctl(t, "del-groups")
	dir := t.TempDir()
	var ft, gt strings.Builder
	for _, f := range flows {
		ft.WriteString(f.String() + "\n")
	}
	for _, g := range groups {
		gt.WriteString(g.String() + "\n")
	}
	ff, gf := filepath.Join(dir, "flows.txt"), filepath.Join(dir, "groups.txt")
	if err := os.WriteFile(ff, []byte(ft.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gf, []byte(gt.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	l.ofctl(t, "add-groups", gf)
	l.ofctl(t, "add-flows", ff)
	viaOfctl := dumpLines(l.ofctl(t, "dump-flows", "--no-stats"))
	if got, want := strings.Join(viaOfapp, "\n"), strings.Join(viaOfctl, "\n"); got != want {
		t.Errorf("dump-flows after ofapp differs from after ovs-ofctl add-flows\nofapp:\n%s\novs-ofctl:\n%s", got, want)
	}
	if got, want := groupsViaOfapp, l.ofctl(t, "dump-groups"); got != want {
		t.Errorf("dump-groups after ofapp differs from after ovs-ofctl\nofapp:\n%s\novs-ofctl:\n%s", got, want)
	}

	// Reading back (the ovs-ofctl copy, which is the same) yields the wanted flows.
	read, err := sw.Flows(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[ofapp.Key]ofapp.FlowStats{}
	for _, r := range read {
		byKey[r.Key()] = r
	}
	if len(read) != len(flows) {
		t.Errorf("read %d flows, want %d", len(read), len(flows))
	}
	for _, want := range flows {
		got, ok := byKey[want.Key()]
		if !ok {
			t.Errorf("flow %s not read back", want)
			continue
		}
		if got.Flow.String() != want.String() || !got.Match.Equal(want.Match) {
			t.Errorf("read back\n got %s\nwant %s", got.Flow, want)
		}
	}
	gs, err := sw.Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 1 || gs[0].GroupEntry.String() != groups[0].String() {
		t.Errorf("Groups() = %v, want %v", gs, groups)
	}
}
