package agent

import (
	"slices"
	"testing"

	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

func TestGonePorts(t *testing.T) {
	learnedOn := func(vni, port uint32) ofapp.FlowStats {
		return ofapp.FlowStats{Flow: ofapp.Flow{Table: pipeline.TableMAC, Cookie: uint64(pipeline.LearnedLocalCookie(vni, port))}}
	}
	learned := []ofapp.FlowStats{
		learnedOn(10, 7), learnedOn(20, 7), // port 7 is gone, in two VNIs
		learnedOn(10, 1), // port 1 is still there
		learnedOn(10, 3), // port 3 is gone
		learnedOn(10, 0), // learned before cookies named the port: left to age out
		{Flow: ofapp.Flow{Cookie: uint64(pipeline.NewCookie(pipeline.FeatureLearnedRemote, 10))}},
	}
	ports := []ofapp.Port{{No: 1, Name: "a"}, {No: 2, Name: "vxlan0"}}
	if got, want := gonePorts(learned, ports), []uint32{3, 7}; !slices.Equal(got, want) {
		t.Errorf("gonePorts = %v, want %v", got, want)
	}
	if got := gonePorts(learned[2:3], ports); len(got) != 0 {
		t.Errorf("gonePorts with every port present = %v, want none", got)
	}
}
