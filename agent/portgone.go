package agent

import (
	"context"
	"fmt"
	"slices"
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
//
// A port deleted while vtepd was not connected to the bridge (stopped,
// restarting) sends no PORT_STATUS that vtepd sees. So each time the
// overlay bridge connects, vtepd also compares the ports named by learned
// cookies with the bridge's ports (OFPMP_PORT_DESC) and forgets the MACs of
// those that are gone.

// forgetPortTimeout bounds the delete.
const forgetPortTimeout = 5 * time.Second

// forgetPortMACs deletes the MAC entries learned on port p of the overlay
// bridge sw, which reported p deleted. Errors are logged: the entries then
// expire after mac_ageing.
func (a *Agent) forgetPortMACs(ctx context.Context, sw Switch, p ofapp.Port) {
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

// forgetGonePorts deletes the MAC entries of the overlay bridge sw that
// were learned on ports it no longer has. It runs when sw connects; errors
// are logged (the entries then expire after mac_ageing).
func (a *Agent) forgetGonePorts(ctx context.Context, sw PortSwitch) {
	ctx, cancel := context.WithTimeout(ctx, forgetPortTimeout)
	defer cancel()
	// Learned flows first: a port whose MACs were read and that is missing
	// from the port list read after them is gone.
	fs, err := sw.TableFlows(ctx, pipeline.TableMAC, uint64(pipeline.NewCookie(pipeline.FeatureLearnedLocal, 0)), uint64(pipeline.CookieFeatureMask))
	if err != nil {
		a.log.WithError(err).Warn("read learned MACs to find departed ports")
		return
	}
	ports, err := sw.PortDescs(ctx)
	if err != nil {
		a.log.WithError(err).Warn("read ports to find departed ports")
		return
	}
	for _, no := range gonePorts(fs, ports) {
		log := a.log.WithField("ofport", no)
		if err := deleteLearnedOnPort(ctx, sw, no); err != nil {
			log.WithError(err).Warn("forget a departed port's learned MACs")
			continue
		}
		log.Info("forgot the learned MACs of a port deleted while disconnected")
	}
}

// gonePorts returns, in order, the ports that learned-local flows name in
// their cookie but that are not among ports.
func gonePorts(learned []ofapp.FlowStats, ports []ofapp.Port) []uint32 {
	present := make(map[uint32]bool, len(ports))
	for _, p := range ports {
		present[p.No] = true
	}
	seen := map[uint32]bool{}
	var out []uint32
	for _, f := range learned {
		no := pipeline.Cookie(f.Cookie).Port()
		if no == 0 || present[no] || seen[no] {
			continue
		}
		seen[no] = true
		out = append(out, no)
	}
	slices.Sort(out)
	return out
}

// deleteLearnedOnPort deletes, in one bundle, the flows of table mac that
// the learn action made for MACs learned on port no.
func deleteLearnedOnPort(ctx context.Context, sw Switch, no uint32) error {
	ctx, cancel := context.WithTimeout(ctx, forgetPortTimeout)
	defer cancel()
	value, mask := pipeline.LearnedOnPort(no)
	var b ofapp.Batch
	b.DeleteByCookieInTable(pipeline.TableMAC, uint64(value), uint64(mask))
	if err := sw.Apply(ctx, &b); err != nil {
		return fmt.Errorf("switch %s: delete learned MACs of port %d (cookie %#x/%#x): %w", ofapp.DPIDString(sw.DPID()), no, uint64(value), uint64(mask), err)
	}
	return nil
}
