package agent

import (
	"context"
	"fmt"
	"net/netip"
	"slices"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// pausedPlaces reads table learn-pause and returns, by VNI, the places
// that paused learning because max_macs refused a burst of sources, the
// last from them (pipeline/pause.go): "port NAME" (or "port N" for a port
// vtepd does not know) and "vtep ADDRESS", sorted.
func (a *Agent) pausedPlaces(ctx context.Context, portNames map[uint32]string) (map[uint32][]string, error) {
	sw, err := a.overlaySwitch()
	if err != nil {
		return nil, err
	}
	out := map[uint32][]string{}
	value := uint64(pipeline.NewCookie(pipeline.FeatureLearnedPause, 0))
	mask := uint64(pipeline.CookieFeatureMask)
	fs, err := sw.TableFlows(ctx, pipeline.TableLearnPause, value, mask)
	if err != nil {
		return nil, fmt.Errorf("read table learn-pause: %w", err)
	}
	for _, f := range fs {
		vni := pipeline.Cookie(f.Cookie).VNI()
		out[vni] = append(out[vni], pausedPlace(f.Match, portNames))
	}
	for vni := range out {
		slices.Sort(out[vni])
	}
	return out, nil
}

// pausedPlace names the place a learn-pause entry matches.
func pausedPlace(m ofapp.Match, portNames map[uint32]string) string {
	if f, ok := m.Get(ofapp.ClassOpenFlowBasic, 0); ok && len(f.Value) == 4 {
		port := uint32(f.Value[0])<<24 | uint32(f.Value[1])<<16 | uint32(f.Value[2])<<8 | uint32(f.Value[3])
		if name, ok := portNames[port]; ok {
			return "port " + name
		}
		return fmt.Sprintf("port %d", port)
	}
	if f, ok := m.Get(ofapp.ClassNXM1, ofapp.FieldTunIPv4Src.Field); ok && len(f.Value) == 4 {
		return "vtep " + netip.AddrFrom4([4]byte(f.Value)).String()
	}
	return "unknown place " + m.String()
}

// fillLearningPaused lists, in each network's status, the places that
// paused learning in it.
func (a *Agent) fillLearningPaused(s *api.Status) {
	names := make(map[uint32]string, len(s.Ports))
	for _, p := range s.Ports {
		names[p.OFPort] = p.Name
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	paused, err := a.pausedPlaces(ctx, names)
	if err != nil {
		a.log.WithError(err).Debug("status: read learning pauses")
		return
	}
	for i := range s.Networks {
		s.Networks[i].LearningPaused = paused[s.Networks[i].VNI]
	}
}
