package agent

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/agent/agenttest"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// binding is a flow of table neigh as a switch reports it: match reg0,
// dl_type and arp_tpa, then reg4 by set_field, reg5[0..15] by reg_load.
func binding(f pipeline.Feature, vni uint32, ip, mac string) ofapp.FlowStats {
	hw, _ := net.ParseMAC(mac)
	v := uint64(0)
	for _, c := range hw {
		v = v<<8 | uint64(c)
	}
	return ofapp.FlowStats{Flow: ofapp.Flow{Table: pipeline.TableNeigh, Priority: 100, HardTimeout: 300,
		Cookie: uint64(pipeline.NewCookie(f, vni)),
		Match:  ofapp.Match{ofapp.MatchReg(0, vni, 0xffffff), ofapp.MatchEthType(0x0806), ofapp.MatchARPTPA(&net.IPNet{IP: net.ParseIP(ip).To4(), Mask: net.CIDRMask(32, 32)})},
		Actions: []ofapp.Action{setFieldReg(4, uint32(v)), ofapp.RegLoad{Dst: pipeline.RegNeighMACHigh, Value: v >> 32},
			ofapp.RegLoad{Dst: pipeline.RegNeighFound, Value: 1}}},
		Duration: 12 * time.Second, Packets: 3}
}

func TestNeighFlowDecodes(t *testing.T) {
	b, err := pipeline.DecodeNeigh(neighFlow(binding(pipeline.FeatureLearnedNeigh, 10, "192.168.10.2", "02:00:00:00:00:0b")))
	if err != nil || b.VNI != 10 || b.IP.String() != "192.168.10.2" || b.MAC.String() != "02:00:00:00:00:0b" || b.Static {
		t.Errorf("binding = %+v, %v", b, err)
	}
	// A prefix match on arp_tpa is no binding's.
	f := binding(pipeline.FeatureNeighStatic, 10, "192.168.10.2", "02:00:00:00:00:0b")
	f.Match[2] = ofapp.MatchARPTPA(&net.IPNet{IP: net.ParseIP("192.168.10.0").To4(), Mask: net.CIDRMask(24, 32)})
	if _, err := pipeline.DecodeNeigh(neighFlow(f)); err == nil {
		t.Errorf("a prefix arp_tpa decoded as a binding")
	}
}

func TestFlowMetricsARPSuppression(t *testing.T) {
	resp := func(f pipeline.Feature, vni uint32, digest uint32, n uint64) ofapp.FlowStats {
		return ofapp.FlowStats{Flow: ofapp.Flow{Table: pipeline.TableARPResponder, Cookie: uint64(pipeline.NewCookie(f, vni).WithDigest(digest))}, Packets: n}
	}
	got := FlowMetrics([]ofapp.FlowStats{
		resp(pipeline.FeatureARPReply, 10, 1, 4), resp(pipeline.FeatureNDReply, 10, 2, 3),
		resp(pipeline.FeatureARPFlood, 10, 3, 2), resp(pipeline.FeatureARPFlood, 20, 4, 5),
		resp(pipeline.FeatureARPFlood, 0, 5, 9), // the shared fallback: no network's
		binding(pipeline.FeatureLearnedNeigh, 10, "192.168.10.2", "02:00:00:00:00:0b"),
		binding(pipeline.FeatureLearnedNeigh, 10, "192.168.10.3", "02:00:00:00:00:0c"),
		binding(pipeline.FeatureNeighStatic, 20, "192.168.20.3", "02:00:00:00:00:0c"),
		binding(pipeline.FeatureLearnedNeighGratuitous, 10, "192.168.10.3", "02:00:00:00:00:0c"),
	})
	if got.ARPAnswered[10] != 7 || got.ARPFlooded[10] != 2 || got.ARPAnswered[20] != 0 || got.ARPFlooded[20] != 5 || len(got.ARPFlooded) != 2 {
		t.Errorf("answered %v, flooded %v; want 10: 7 and 2, 20: 0 and 5", got.ARPAnswered, got.ARPFlooded)
	}
	if got.Bindings[bindingKind{10, "learned"}] != 2 || got.Bindings[bindingKind{20, "static"}] != 1 || len(got.Bindings) != 2 {
		t.Errorf("bindings %v", got.Bindings)
	}
}

// TestNeighThroughTheAPI: GET /v1/neigh lists the bindings of table neigh
// (learned and static, not the gratuitous entries), by VNI and IP, filters
// by VNI, and answers 503 naming the bridge when the flows cannot be read.
func TestNeighThroughTheAPI(t *testing.T) {
	r := newRig(t, rigConfig)
	r.mustConverge(t)
	r.over.Install(
		binding(pipeline.FeatureLearnedNeigh, 10, "192.168.10.20", "02:00:00:00:00:0b").Flow,
		binding(pipeline.FeatureNeighStatic, 10, "192.168.10.3", "02:00:00:00:00:0c").Flow,
		binding(pipeline.FeatureLearnedNeigh, 20, "192.168.20.2", "02:00:00:00:00:0d").Flow)
	c := serveAPI(t, r)
	ctx := context.Background()
	ns, err := c.Neigh(ctx, 10)
	if err != nil || len(ns) != 2 || ns[0].IP != "192.168.10.3" || ns[0].Source != "static" || ns[0].MAC != "02:00:00:00:00:0c" ||
		ns[1].IP != "192.168.10.20" || ns[1].Source != "learned" || ns[1].VNI != 10 {
		t.Errorf("neigh of VNI 10 = %+v, %v; want 192.168.10.3 static, then 192.168.10.20 learned", ns, err)
	}
	if all, err := c.Neigh(ctx, 0); err != nil || len(all) != 3 {
		t.Errorf("neigh of every VNI = %+v, %v; want 3", all, err)
	}
	var v any
	if err := c.Get(ctx, "/v1/neigh?vni=0", &v); err == nil || !strings.Contains(err.Error(), "400 Bad Request") {
		t.Errorf("vni=0: %v, want 400", err)
	}
	r.over.Fail(agenttest.OpFlows, errBoom)
	if _, err := c.Neigh(ctx, 0); err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "read ARP suppression bindings") {
		t.Errorf("unreadable bridge: %v, want 503 naming the read", err)
	}
}
