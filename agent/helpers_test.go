package agent

import (
	"testing"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/pipeline"
	"github.com/vtep/vtep/trace"
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

// samplePorts is hv1 of labs/figure4.yaml: VM a on port 1 (trunk, VLAN 1
// -> VNI 10), the tunnel on port 2.
func samplePorts() trace.Ports {
	st := pipeline.State{Desired: pipeline.Desired{Networks: []pipeline.Network{{VNI: 10, VLAN: 1}}},
		TunnelPort: 2, Ports: []pipeline.Port{{Name: "a", OFPort: 1, Trunks: []uint16{1}}}}
	return trace.NewPorts(st)
}
