package agent

import (
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

func TestWarnOpenTunnels(t *testing.T) {
	trusted := strings.Replace(baseConfig, "  local_ip: 10.0.0.1/24\n", "  local_ip: 10.0.0.1/24\n  trusted_vteps: [10.0.0.0/24]\n", 1)
	replication := baseConfig + "flood: {mode: replication, peers: [10.0.0.2]}\n"
	for _, tt := range []struct {
		name, yaml string
		level      logrus.Level
	}{
		{"multicast without trusted_vteps", baseConfig, logrus.WarnLevel},
		{"trusted_vteps set", trusted, logrus.InfoLevel},
		{"replication", replication, logrus.InfoLevel},
	} {
		t.Run(tt.name, func(t *testing.T) {
			log, hook := test.NewNullLogger()
			warnOpenTunnels(logrus.NewEntry(log), mustConfig(t, tt.yaml))
			if e := hook.LastEntry(); len(hook.AllEntries()) != 1 || e.Level != tt.level {
				t.Errorf("logged %v, want one entry at level %s", hook.AllEntries(), tt.level)
			}
		})
	}
}
