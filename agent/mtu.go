package agent

import (
	"context"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/pipeline"
)

// MTU guard. VXLAN adds pipeline.VXLANOverhead (50) bytes to every frame
// sent into the tunnel and the userspace datapath does not fragment: a VM
// whose MTU is above the underlay's minus 50 loses its large frames with
// nothing but "Message too long" in ovs-vswitchd's log. vtepd reads the
// MTUs from OVSDB at each reconcile (readState) and flags such ports: a
// warning once per port and change of either MTU, the oversize flag of
// the port's status, and the vtepd_oversize_ports gauge.

// mtuSeen is a port's MTU and the underlay's at the last warning.
type mtuSeen struct{ port, underlay int }

// mtuGuard remembers which oversize ports were logged.
type mtuGuard struct {
	a *Agent

	mu     sync.Mutex
	warned map[string]mtuSeen // by port name: oversize ports already logged
}

func newMTUGuard(a *Agent) *mtuGuard {
	g := &mtuGuard{a: a, warned: map[string]mtuSeen{}}
	if a.metrics != nil {
		a.metrics.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "oversize_ports",
			Help: "VM ports whose MTU is above the underlay's MTU minus VXLAN's 50 bytes: frames they may send cannot cross the tunnel.",
		}, func() float64 {
			_, st, _ := a.Snapshot()
			return float64(len(oversizePorts(st)))
		}))
	}
	return g
}

// oversizePorts returns the ports of st that can send frames the underlay
// cannot carry.
func oversizePorts(st pipeline.State) []pipeline.Port {
	var out []pipeline.Port
	for _, p := range st.Ports {
		if p.Oversize(st.Underlay) {
			out = append(out, p)
		}
	}
	return out
}

// check logs a warning for each oversize port not yet logged with the same
// MTUs, and an info line for a port that fits again.
func (g *mtuGuard) check(st pipeline.State) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := map[string]mtuSeen{}
	for _, p := range oversizePorts(st) {
		seen := mtuSeen{port: p.MTU, underlay: st.Underlay.MTU}
		now[p.Name] = seen
		if g.warned[p.Name] == seen {
			continue
		}
		g.a.log.WithFields(logrus.Fields{"port": p.Name, "mtu": p.MTU, "underlay_mtu": st.Underlay.MTU,
			"max_mtu": st.Underlay.MaxVMMTU()}).
			Warn("VM port MTU too large for the underlay: frames above the underlay MTU minus 50 (VXLAN) are lost; lower the guest's MTU or raise the underlay's")
	}
	for name := range g.warned {
		if _, still := now[name]; still {
			continue
		}
		if p, ok := findPort(st.Ports, name); ok {
			g.a.log.WithFields(logrus.Fields{"port": name, "mtu": p.MTU, "underlay_mtu": st.Underlay.MTU}).
				Info("VM port MTU fits the underlay now")
		}
	}
	g.warned = now
}

func findPort(ports []pipeline.Port, name string) (pipeline.Port, bool) {
	for _, p := range ports {
		if p.Name == name {
			return p, true
		}
	}
	return pipeline.Port{}, false
}

// minKnownMTU is the smaller of two MTUs, ignoring unknown ones (0).
func minKnownMTU(a, b int) int {
	switch {
	case a <= 0:
		return max(b, 0)
	case b <= 0:
		return a
	}
	return min(a, b)
}

// countOversize sets dropped["oversize"] to the packets of the oversize
// meter: the flow's own n_packets also count the frames that passed (see
// pipeline.OversizeMeterID). Without the meter (underlay MTU unknown) or
// when meter stats cannot be read, the flow counts stay.
func (a *Agent) countOversize(ctx context.Context, dropped map[string]uint64) {
	reason := pipeline.FeatureDropOversize.DropReason()
	sw, err := a.overlaySwitch()
	if err != nil {
		return
	}
	ms, err := sw.Meters(ctx)
	if err != nil {
		a.log.WithError(err).Debug("metrics: read the oversize meter")
		return
	}
	for _, m := range ms {
		if m.ID == pipeline.OversizeMeterID {
			dropped[reason] = m.Packets
			return
		}
	}
}
