package ofapp

import (
	"context"
	"fmt"

	"github.com/sirupsen/logrus"
)

// checkTakeover refuses a newcomer that presents the datapath ID of a live
// session: the old session is asked for an echo (Config.TakeoverProbe),
// and only if it does not answer does it end and the newcomer take its
// place. A refusal is logged with both remotes and counted.
func (c *Controller) checkTakeover(s *Switch) error {
	old, ok := c.Switch(s.DPID())
	if !ok || old.Err() != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.TakeoverProbe)
	defer cancel()
	rtt, err := old.Echo(ctx)
	if err != nil {
		s.log.WithFields(logrus.Fields{"session_remote": old.peer, "probe": c.cfg.TakeoverProbe.String(), "error": err.Error()}).
			Warn("the datapath's live session does not answer echo; the new connection replaces it")
		old.shutdown(fmt.Errorf("did not answer echo within %s while %s presented the same datapath", c.cfg.TakeoverProbe, s.peer))
		return nil
	}
	c.adm.refused[indexTakeover].Add(1)
	s.log.WithFields(logrus.Fields{"session_remote": old.peer, "echo_rtt": rtt.String()}).
		Warn("refusing a connection that presents the datapath ID of a live session, which answers echo")
	return fmt.Errorf("%w: datapath %s has a live session from %s", errRefused, DPIDString(s.DPID()), old.peer)
}
