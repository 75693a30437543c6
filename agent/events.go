package agent

import (
	"context"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/vtep/vtep/ofapp"
)

// eventLoop turns switch events into reconciles: a (re)connected overlay
// bridge and any port change on it.
func (a *Agent) eventLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-a.ctrl.Events():
			if !ok {
				return
			}
			if ev.DPID != a.overlayDPID {
				continue
			}
			switch ev.Type {
			case ofapp.SwitchConnected:
				a.Kick("overlay bridge connected")
				go a.forgetGonePorts(ctx, ev.Switch) // portgone.go
			case ofapp.PortAdded, ofapp.PortDeleted, ofapp.PortModified:
				a.log.WithFields(logrus.Fields{"port": ev.Port.Name, "ofport": ev.Port.No, "event": ev.Type.String()}).Info("port changed")
				reason := "port " + ev.Port.Name + " " + ev.Type.String()
				a.Kick(reason)
				if ev.Type != ofapp.PortDeleted {
					// ovs-vswitchd announces a port before it writes the
					// port's ofport to OVSDB, where vtepd reads ports from:
					// reconcile again once the ofport is there.
					go a.kickWhenOfport(ctx, ev.Port.Name, reason)
				} else {
					var sw Switch // nil when the event names no session
					if ev.Switch != nil {
						sw = ev.Switch
					}
					go a.forgetPortMACs(ctx, sw, ev.Port) // portgone.go
				}
			}
		}
	}
}

// kickWhenOfport waits (a few seconds at most) until OVSDB shows the
// interface's ofport, then asks for a reconcile.
func (a *Agent) kickWhenOfport(ctx context.Context, iface, reason string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := a.db.WaitOfport(ctx, iface); err != nil {
		a.log.WithField("port", iface).WithError(err).Debug("no ofport in OVSDB")
		return
	}
	a.Kick(reason + " (ofport in OVSDB)")
}
