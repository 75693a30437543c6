package agent

import (
	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/config"
)

// warnOpenTunnels warns, at start, when vtepd accepts VXLAN from any outer
// source: multicast mode without underlay.trusted_vteps. Any host on the
// underlay can then make every VTEP learn a victim's MAC behind itself.
func warnOpenTunnels(log *logrus.Entry, cfg *config.Config) {
	if cfg.RestrictVTEPs() {
		log.WithFields(logrus.Fields{"trusted_vteps": len(cfg.TrustedVTEPs())}).
			Info("accepting VXLAN only from trusted VTEPs")
		return
	}
	log.WithField("key", "underlay.trusted_vteps").
		Warn("accepting VXLAN from any underlay source: any host that reaches this VTEP can inject frames and move learned MACs; set underlay.trusted_vteps to the VTEPs' addresses or prefix")
}
