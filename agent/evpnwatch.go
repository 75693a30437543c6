package agent

import (
	"context"
	"time"

	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// flowMonitor is a switch that reports changes to a table's flows as they
// happen (*ofapp.Switch, ONF's flow monitor).
type flowMonitor interface {
	MonitorFlows(ctx context.Context, table uint8, onUpdate func(ofapp.FlowUpdate)) error
}

// watchLocalMACs wakes the EVPN plane when the switch reports a MAC
// learned on a local port (a learned-local flow of table mac added or
// moved), so a new or moved MAC is usually advertised at once instead of
// at the next periodic pass. It is a hint, not the guarantee: OVS 3.1
// reports a flow the learn action made only with the next change to the
// flow table (ofproto_flow_mod_learn_finish), which on a busy switch is
// soon and on an idle one may not come; the periodic pass advertises
// everything within a second whatever the monitor says.
func (p *evpnPlane) watchLocalMACs(ctx context.Context) {
	for ctx.Err() == nil {
		sw, ok := p.a.switches.Overlay()
		m, can := sw.(flowMonitor)
		if ok && can {
			err := m.MonitorFlows(ctx, pipeline.TableMAC, func(u ofapp.FlowUpdate) {
				if u.Event == ofapp.FlowDeleted || pipeline.Cookie(u.Flow.Cookie).Feature() != pipeline.FeatureLearnedLocal {
					return
				}
				select {
				case p.wake <- struct{}{}:
				default:
				}
			})
			if err != nil && ctx.Err() == nil {
				p.a.log.WithError(err).Debug("EVPN: flow monitor of table mac ended; restarting")
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}
