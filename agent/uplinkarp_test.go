package agent

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
)

func TestAssessUplinkARP(t *testing.T) {
	for _, tt := range []struct {
		dev, all int
		warn     bool
	}{
		{0, 0, true}, {1, 0, false}, {2, 0, false}, {0, 1, false}, {0, 2, false},
		{3, 0, true}, {5, 0, true}, {8, 0, false}, {0, 8, false}, {1, 3, true},
	} {
		s := assessUplinkARP("eth0", "10.0.0.1", tt.dev, tt.all, nil)
		if (s.Warning != "") != tt.warn {
			t.Errorf("arp_ignore %d (all %d): warning %q, want one: %v", tt.dev, tt.all, s.Warning, tt.warn)
		}
		if s.Name != "eth0" || s.ARPIgnore != tt.dev || s.ARPIgnoreAll != tt.all || s.Error != "" {
			t.Errorf("arp_ignore %d (all %d): status %+v", tt.dev, tt.all, s)
		}
	}
	s := assessUplinkARP("eth0", "10.0.0.1", 0, 0, nil)
	for _, w := range []string{"net.ipv4.conf.eth0.arp_ignore is 0", "10.0.0.1", "sysctl -w net.ipv4.conf.eth0.arp_ignore=1"} {
		if !strings.Contains(s.Warning, w) {
			t.Errorf("warning %q lacks %q", s.Warning, w)
		}
	}
	if s := assessUplinkARP("eth0.5", "10.0.0.1", 0, 0, nil); !strings.Contains(s.Warning, "sysctl -w net/ipv4/conf/eth0.5/arp_ignore=1") {
		t.Errorf("warning for a name with a dot: %q", s.Warning)
	}
	s = assessUplinkARP("dpdk0", "10.0.0.1", 0, 0, errors.New("no such interface"))
	if s.Warning != "" || s.Error != "no such interface" || s.ARPIgnore != -1 || s.ARPIgnoreAll != -1 {
		t.Errorf("unreadable: %+v", s)
	}
}

func writeARPIgnore(t *testing.T, root, iface, v string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, iface), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, iface, "arp_ignore"), []byte(v+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestUplinkARPCheck reads a fake /proc/sys/net/ipv4/conf: a warning is
// logged once while the setting stays wrong, and the fix is logged.
func TestUplinkARPCheck(t *testing.T) {
	root := t.TempDir()
	writeARPIgnore(t, root, "all", "0")
	writeARPIgnore(t, root, "eth0", "0")
	l, hook := logtest.NewNullLogger()
	log := logrus.NewEntry(l)
	c := &uplinkARPCheck{root: root}

	c.check(log, "eth0", "10.0.0.1")
	c.check(log, "eth0", "10.0.0.1")
	s := c.status()
	if s == nil || s.Warning == "" || s.ARPIgnore != 0 {
		t.Fatalf("status %+v, want a warning", s)
	}
	if n := len(hook.AllEntries()); n != 1 || hook.LastEntry().Level != logrus.WarnLevel {
		t.Fatalf("%d log lines (%v), want one warning", n, hook.AllEntries())
	}
	if f := hook.LastEntry().Data; f["uplink"] != "eth0" || f["arp_ignore"] != 0 {
		t.Errorf("warning fields %v", f)
	}

	writeARPIgnore(t, root, "eth0", "1")
	c.check(log, "eth0", "10.0.0.1")
	if s := c.status(); s == nil || s.Warning != "" || s.ARPIgnore != 1 {
		t.Errorf("after the fix: status %+v", s)
	}
	if e := hook.LastEntry(); len(hook.AllEntries()) != 2 || e.Level != logrus.InfoLevel || !strings.Contains(e.Message, "fixed") {
		t.Errorf("after the fix: log %v", hook.AllEntries())
	}

	c.check(log, "missing0", "10.0.0.1")
	if s := c.status(); s == nil || s.Warning != "" || !strings.Contains(s.Error, "missing0: no such kernel interface") {
		t.Errorf("missing interface: status %+v", s)
	}
	c.check(log, "", "10.0.0.1")
	if s := c.status(); s != nil {
		t.Errorf("no uplink: status %+v, want nil", s)
	}
}
