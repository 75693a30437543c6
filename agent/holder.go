package agent

import (
	"context"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/underlay"
)

// MembershipHold says how vtepd uses its IGMP membership holder, the small
// process that holds the memberships so that they outlive vtepd (see
// underlay.Holder and docs/design.md).
type MembershipHold struct {
	// LeaveOnExit makes a stopping vtepd tell the holder to leave every
	// group and exit (vtepd -leave-groups). Without it the holder keeps the
	// groups for the next vtepd.
	LeaveOnExit bool
	// Lease is how long the holder keeps the groups when no vtepd talks to
	// it (vtepd renews it on every reconcile, at least every 30 s).
	// 0 means DefaultHoldLease.
	Lease time.Duration
	// Exe is the vtepd binary that runs the holder (vtepd hold-groups);
	// "" means this process's own binary, also after an upgrade replaced
	// the file. A program that embeds the agent and is not vtepd sets it.
	Exe string
}

// DefaultHoldLease is the holder's lease unless vtepd -igmp-lease says
// otherwise.
const DefaultHoldLease = time.Hour

// selfExe is this process's own binary, also after an upgrade replaced
// the file.
const selfExe = "/proc/self/exe"

// SetMembershipHold sets how vtepd uses the membership holder; call it
// before Run.
func (a *Agent) SetMembershipHold(h MembershipHold) { a.hold = h }

// openMembership adopts the running membership holder of this bridge, or
// starts one, in multicast mode. In replication mode it tells a holder left
// from a multicast run to leave its groups, and returns nil.
func (a *Agent) openMembership(ctx context.Context, cfg *config.Config) (Membership, error) {
	files := underlay.HolderFilesIn(RunDir(cfg), cfg.Bridge)
	if cfg.Flood.Mode != config.FloodMulticast {
		if stopped, err := underlay.StopHolder(ctx, files.Socket); err != nil {
			a.log.WithError(err).Warn("could not stop the membership holder of a multicast run")
		} else if stopped {
			a.log.WithField("socket", files.Socket).Info("replication mode: the membership holder left its groups")
		}
		return nil, nil
	}
	lease := a.hold.Lease
	if lease == 0 {
		lease = DefaultHoldLease
	}
	c := &underlay.HolderClient{Files: files, Local: cfg.Underlay.LocalIP.Addr().AsSlice(), Lease: lease, LeaveOnClose: a.hold.LeaveOnExit}
	exe := a.hold.Exe
	if exe == "" {
		exe = selfExe
	}
	adopted, err := underlay.AdoptOrStartHolder(ctx, c, exe)
	if err != nil {
		return nil, fmt.Errorf("igmp: %w", err)
	}
	a.log.WithFields(logrus.Fields{"pid": c.Pid(), "adopted": adopted, "groups": len(c.Groups()), "socket": files.Socket}).
		Info("IGMP membership holder ready")
	return c, nil
}

// closeMembership lets go of the membership holder as vtepd stops: it keeps
// the groups, or with MembershipHold.LeaveOnExit leaves them and exits.
func (a *Agent) closeMembership() {
	if a.igmp == nil {
		return
	}
	if err := a.igmp.Close(); err != nil {
		a.log.WithError(err).Warn("could not tell the membership holder to leave its groups")
		return
	}
	if a.hold.LeaveOnExit {
		a.log.Info("the membership holder left its groups")
	}
}
