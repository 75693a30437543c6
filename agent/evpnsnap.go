package agent

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/netip"
	"os"

	"github.com/sirupsen/logrus"
	"github.com/vtep/vtep/evpn"
)

// snapshotNet is one EVPN network's remote view as the snapshot file keeps
// it between runs.
type snapshotNet struct {
	VNI   uint32        `json:"vni"`
	VTEPs []netip.Addr  `json:"vteps"`
	MACs  []snapshotMAC `json:"macs"`
}

type snapshotMAC struct {
	MAC  string     `json:"mac"`
	VTEP netip.Addr `json:"vtep"`
	Seq  uint32     `json:"seq"`
}

// saveSnapshot writes the remote view (atomically); a failure is logged:
// it only costs the stale routes of the next restart.
func saveSnapshot(log *logrus.Entry, path string, remote map[uint32]evpn.Remote) {
	var out []snapshotNet
	for vni, r := range remote {
		n := snapshotNet{VNI: vni, VTEPs: r.VTEPs}
		for _, m := range r.MACs {
			n.MACs = append(n.MACs, snapshotMAC{MAC: m.MAC.String(), VTEP: m.VTEP, Seq: m.Seq})
		}
		out = append(out, n)
	}
	data, err := json.Marshal(out)
	if err == nil {
		tmp := path + ".tmp"
		if err = os.WriteFile(tmp, data, 0o600); err == nil {
			err = os.Rename(tmp, path)
		}
	}
	if err != nil {
		log.WithError(err).WithField("file", path).Warn("EVPN: cannot save the received routes for a restart")
	}
}

// loadSnapshot reads the previous run's remote view; a missing file is an
// empty view, a broken one is logged and ignored (nothing of it is used).
func loadSnapshot(log *logrus.Entry, path string) map[uint32]evpn.Remote {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var in []snapshotNet
	if err == nil {
		err = json.Unmarshal(data, &in)
	}
	if err != nil {
		log.WithError(err).WithField("file", path).Warn("EVPN: previous run's routes unreadable; starting without them")
		return nil
	}
	out := map[uint32]evpn.Remote{}
	for _, n := range in {
		r := evpn.Remote{}
		for _, v := range n.VTEPs {
			if v.Is4() && !v.IsMulticast() && !v.IsUnspecified() {
				r.VTEPs = append(r.VTEPs, v)
			}
		}
		for _, m := range n.MACs {
			mac, err := net.ParseMAC(m.MAC)
			if err != nil || len(mac) != 6 || mac[0]&1 != 0 || !m.VTEP.Is4() || m.VTEP.IsMulticast() || m.VTEP.IsUnspecified() {
				log.WithField("file", path).Warn("EVPN: previous run's routes have a bad entry; starting without them")
				return nil
			}
			r.MACs = append(r.MACs, evpn.Route{Type: evpn.TypeMAC, VNI: n.VNI, MAC: mac, VTEP: m.VTEP, Seq: m.Seq})
		}
		out[n.VNI] = r
	}
	log.WithFields(logrus.Fields{"file": path, "networks": len(out)}).Info("EVPN: keeping the previous run's routes until the sessions converge")
	return out
}
