package agent

import (
	"testing"

	"github.com/vtep/vtep/config"
)

const baseConfig = `
bridge: br-int
underlay:
  uplink: eth0
  local_ip: 10.0.0.1/24
networks:
  - vni: 10
    vlan: 1
    group: 239.1.1.1
`

func mustConfig(t *testing.T, s string) *config.Config {
	t.Helper()
	c, err := config.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
