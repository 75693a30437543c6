package test

import (
	"github.com/vtep/vtep/agent"
	"testing"
	"time"
)

func TestSmoke(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	if err := ping(t, r, "a", "192.168.10.2", 3); err != nil {
		t.Error(err)
	}
	for _, hv := range []string{"hv1", "hv2", "hv3"} {
		t.Logf("%s:\n%s", hv, dumpFlows(t, r, hv, "br-int", "table=30"))
	}
}

func TestSmokeStatus(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", nil)
	s, err := agent.NewClient("unix:" + r.NodeDir("hv1") + "/vtepd-api.sock").Status(ctxT(t, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", s)
}
