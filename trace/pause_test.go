package trace

import (
	"strings"
	"testing"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/pipeline"
)

// TestExplainLearningPause names each step of the source check and of
// learning pauses, and leaves other steps to the other explainers.
func TestExplainLearningPause(t *testing.T) {
	r := api.TraceRequest{DlSrc: "02:00:00:00:00:0a"}
	for f, want := range map[pipeline.Feature]string{
		pipeline.FeatureSourceValid:    "02:00:00:00:00:0a is not all zeros",
		pipeline.FeatureSourceZero:     "all zeros",
		pipeline.FeatureLearnActive:    "no learning pause",
		pipeline.FeatureLearnedPause:   "paused learning in VNI 10",
		pipeline.FeatureLearningPaused: "02:00:00:00:00:0a not learned, still forwarded",
		pipeline.FeatureRefusedBurst:   "this place pauses learning",
		pipeline.FeatureNoBurst:        "no pause",
	} {
		got, ok := explainLearningPause(&api.TraceStep{Feature: f.String(), VNI: 10}, r)
		if !ok || !strings.Contains(got, want) {
			t.Errorf("%s: %q (ok %v), want it to say %q", f, got, ok, want)
		}
	}
	if got, ok := explainLearningPause(&api.TraceStep{Feature: pipeline.FeatureFlood.String()}, r); ok {
		t.Errorf("flood step explained as a pause step: %q", got)
	}
}
