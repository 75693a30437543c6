package agent

import (
	"context"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// A departed port's MACs. The learned flows of table mac (30) carry the
// port they were learned on in their cookie (pipeline.LearnedLocalCookie),
// so when the overlay bridge reports a port deleted one OFPFC_DELETE by
// cookie in table 30 removes every MAC learned there, in every VNI, instead
// of leaving them to steer traffic to a missing port until they age out.
// The port's learning flows in table local-in go with the reconcile the
// same event starts, so nothing learns on that port number again until a
// port has it.

// forgetPortTimeout bounds the delete.
const forgetPortTimeout = 5 * time.Second

// forgetPortMACs deletes the MAC entries learned on port p of the overlay
// bridge sw, which reported p deleted. Errors are logged: the entries then
// expire after mac_ageing.
func (a *Agent) forgetPortMACs(ctx context.Context, sw *ofapp.Switch, p ofapp.Port) {
	log := a.log.WithFields(logrus.Fields{"port": p.Name, "ofport": p.No})
	if sw == nil || p.No == 0 || p.No > pipeline.MaxPort {
		log.Debug("no learned MACs to forget for this port")
		return
	}
	start := time.Now()
	if err := deleteLearnedOnPort(ctx, sw, p.No); err != nil {
		log.WithError(err).Warn("forget the deleted port's learned MACs")
		return
	}
	log.WithField("took", time.Since(start).Round(time.Millisecond)).Info("forgot the deleted port's learned MACs")
}

// deleteLearnedOnPort deletes, in one bundle, the flows of table mac that
// the learn action made for MACs learned on port no.
func deleteLearnedOnPort(ctx context.Context, sw *ofapp.Switch, no uint32) error {
	ctx, cancel := context.WithTimeout(ctx, forgetPortTimeout)
	defer cancel()
	value, mask := pipeline.LearnedOnPort(no)
	var b ofapp.Batch
	b.DeleteByCookieInTable(pipeline.TableMAC, uint64(value), uint64(mask))
	if err := sw.Apply(ctx, &b); err != nil {
		return fmt.Errorf("%s: delete learned MACs of port %d (cookie %#x/%#x): %w", sw, no, uint64(value), uint64(mask), err)
	}
	return nil
}
