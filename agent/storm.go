package agent

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vtep/vtep/api"
)

// Storm control: each network with a BUM rate has a meter on the overlay
// bridge (id = VNI, pipeline.Result.Meters) whose drop band counts the BUM
// frames from local ports it dropped. The counts are read from the switch
// (meter stats) when status or metrics ask.

var descBUMDropped = prometheus.NewDesc(metricsNamespace+"_bum_dropped_packets_total",
	"Broadcast, unknown unicast and multicast frames from local ports dropped by storm control (the VNI's meter above bum_pps), by VNI.", []string{"vni"}, nil)

// bumDrops reads the overlay bridge's meters and returns the packets each
// network's storm-control meter dropped, by VNI (only networks with a
// meter).
func (a *Agent) bumDrops(ctx context.Context) (map[uint32]uint64, error) {
	sw, err := a.overlaySwitch()
	if err != nil {
		return nil, err
	}
	ms, err := sw.Meters(ctx)
	if err != nil {
		return nil, err
	}
	cfg := a.config()
	vnis := make(map[uint32]bool, len(cfg.Networks))
	for _, n := range cfg.Networks {
		vnis[n.VNI] = true
	}
	out := map[uint32]uint64{}
	for _, m := range ms {
		if vnis[m.ID] {
			out[m.ID] = m.Dropped
		}
	}
	return out, nil
}

// fillBUMDrops sets each network's storm-control rate and, when its meter
// could be read, its drops.
func (a *Agent) fillBUMDrops(s *api.Status) {
	cfg := a.config()
	for i := range s.Networks {
		for _, n := range cfg.Networks {
			if n.VNI == s.Networks[i].VNI {
				s.Networks[i].BUMPPS = cfg.NetworkBUMPPS(n)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	drops, err := a.bumDrops(ctx)
	if err != nil {
		a.log.WithError(err).Debug("status: read meter stats")
		return
	}
	for i := range s.Networks {
		if d, ok := drops[s.Networks[i].VNI]; ok {
			s.Networks[i].BUMDropped = &d
		}
	}
}

// collectBUMDrops sends vtepd_bum_dropped_packets_total for every network
// with a storm-control meter.
func (a *Agent) collectBUMDrops(ctx context.Context, ch chan<- prometheus.Metric) {
	drops, err := a.bumDrops(ctx)
	if err != nil {
		a.log.WithError(err).Warn("metrics: read meter stats")
		return
	}
	for vni, n := range drops {
		ch <- prometheus.MustNewConstMetric(descBUMDropped, prometheus.CounterValue, float64(n), strconv.FormatUint(uint64(vni), 10))
	}
}
