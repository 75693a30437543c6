package trace

import (
	"fmt"
	"strings"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/pipeline"
)

// explainOversize explains the steps of the oversize guard (pipeline's
// oversize.go): the size check on the way to a remote VTEP, the drop of a
// frame the underlay cannot carry and the output after the check; ok is
// false for other steps.
func explainOversize(st *api.TraceStep, s traceState) (string, bool) {
	switch st.Feature {
	case pipeline.FeatureEgressTunnel.String():
		n, checked := checkedLen(st)
		if !checked {
			return "", false
		}
		return fmt.Sprintf("known remote destination: check the frame against the underlay MTU (longer than %s bytes: dropped in tunnel-out)", n), true
	case pipeline.FeatureDropOversize.String():
		return "if longer than the underlay carries with VXLAN's 50 bytes: dropped before the tunnel, counted (reason oversize); lower the guest's MTU or raise the underlay's", true
	case pipeline.FeatureTunnelOut.String():
		return fmt.Sprintf("if it fits the underlay: to VTEP %s with VNI %d", s.tunDst, s.tunID), true
	}
	return "", false
}

// checkedLen returns N of the step's check_pkt_larger(N) action.
func checkedLen(st *api.TraceStep) (string, bool) {
	for _, a := range st.Actions {
		if rest, ok := strings.CutPrefix(a.Action, "check_pkt_larger("); ok {
			n, _, _ := strings.Cut(rest, ")")
			return n, true
		}
	}
	return "", false
}
