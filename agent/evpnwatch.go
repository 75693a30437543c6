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

// watchLocalMACs wakes the EVPN plane as soon as the switch learns a MAC on
// a local port (a learned-local flow of table mac added or moved), so a new
// or moved MAC is advertised within milliseconds instead of at the next
// periodic pass. Without a monitor (or while it is down) the periodic pass
// still advertises everything, a second later.
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
