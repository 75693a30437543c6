package test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
)

// throughputLab is two hypervisors with one VM each, on access ports (the
// hand-written baseline handles no VLAN tags), in VNI 10.
const throughputLab = `
prefix: tput
description: VM to VM TCP throughput, vtepd's pipeline against hand-written flows
underlay: {igmp_snooping: false}
vtep:
  flood: multicast
  networks: [{vni: 10, vlan: 1, group: 239.1.1.1}]
hypervisors:
  - {name: hv1, vtep_ip: 10.0.0.1/24}
  - {name: hv2, vtep_ip: 10.0.0.2/24}
vms:
  - {name: a, hypervisor: hv1, mac: "02:00:00:00:00:0a", ip: 192.168.10.1/24, vlan: 1}
  - {name: b, hypervisor: hv2, mac: "02:00:00:00:00:0b", ip: 192.168.10.2/24, vlan: 1}
`

// recipeFlows are the minimal flows of recipes/multicast-underlay.sh for one
// VM port in VNI 10: learn from the tunnel and from the port, output what
// is known, flood the rest to the port and the group.
func recipeFlows(vm string) string {
	return strings.Join([]string{
		"table=0,priority=100,in_port=vxlan0,tun_id=10,actions=load:10->NXM_NX_REG0[],goto_table:10",
		"table=0,priority=100,in_port=" + vm + ",actions=load:10->NXM_NX_REG0[],goto_table:20",
		"table=0,priority=0,actions=drop",
		"table=10,priority=100,actions=learn(table=30,idle_timeout=300,priority=100,NXM_NX_REG0[],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_NX_TUN_IPV4_SRC[]->NXM_NX_TUN_IPV4_DST[],load:NXM_NX_REG0[0..23]->NXM_NX_TUN_ID[0..23],output:NXM_OF_IN_PORT[]),load:1->NXM_NX_REG1[0],goto_table:30",
		"table=20,priority=100,actions=learn(table=30,idle_timeout=300,priority=100,NXM_NX_REG0[],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),goto_table:30",
		"table=30,priority=0,actions=goto_table:40",
		"table=40,priority=100,reg0=10,reg1=0,actions=output:" + vm + ",set_field:10->tun_id,set_field:239.1.1.1->tun_dst,output:vxlan0",
		"table=40,priority=100,reg0=10,reg1=1,actions=output:" + vm,
	}, "\n") + "\n"
}

// stream runs one iperf3 TCP stream a -> b and, while it runs, counts the
// datapath flows (megaflows) of hv1's OVS, keeping the largest count seen.
func stream(b *testing.B, r *labs.Running, secs int) (bitsPerSec float64, megaflows int) {
	b.Helper()
	ctx := context.Background()
	for _, hv := range hypervisors(r) {
		if _, err := r.OVS[hv].Appctl(ctx, "dpctl/del-flows"); err != nil {
			b.Fatal(err)
		}
	}
	done := make(chan iperfResult, 1)
	go func() { done <- iperf(b, r, "a", "b", "192.168.10.2", secs) }()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case res := <-done:
			return res.End.SumReceived.BitsPerSec, megaflows
		case <-tick.C:
			out, err := r.OVS["hv1"].Appctl(ctx, "dpctl/dump-flows")
			if err != nil {
				b.Fatal(err)
			}
			megaflows = max(megaflows, strings.Count(out, "actions:"))
		}
	}
}

// BenchmarkOverlayTCP measures VM to VM TCP throughput (iperf3, 3 s)
// across two hypervisors through vtepd's pipeline and, in the same run and
// on the same OVS instances, through the hand-written minimal flows of
// recipes/multicast-underlay.sh, with vtepd stopped. Reported: both
// throughputs, their ratio vtepd/recipe (1: as fast) and the most datapath
// flows (megaflows) hv1 held during each stream.
//
//	go test -run '^$' -bench OverlayTCP -benchtime 1x ./test
func BenchmarkOverlayTCP(b *testing.B) {
	r := upLab(b, labFile(b, throughputLab), nil)
	ctx := context.Background()
	files := map[string]string{}
	for _, v := range r.File.VMs {
		p := filepath.Join(b.TempDir(), v.Hypervisor+".flows")
		if err := os.WriteFile(p, []byte(recipeFlows(v.Name)), 0o644); err != nil {
			b.Fatal(err)
		}
		files[v.Hypervisor] = p
	}
	mustPing(b, r, "a", "192.168.10.2", 2)
	var vtepdBPS, recipeBPS float64
	var vtepdFlows, recipeFlows int
	first := true
	for b.Loop() {
		if !first {
			// back from the recipe: vtepd programs an empty bridge again
			for _, hv := range hypervisors(r) {
				if _, err := r.OVS[hv].Ofctl(ctx, "del-flows", "br-int"); err != nil {
					b.Fatal(err)
				}
				if err := r.RestartVtepd(ctx, hv, vtepdBin); err != nil {
					b.Fatal(err)
				}
				waitReconciled(b, r, hv)
			}
		}
		first = false
		bps, n := stream(b, r, 3)
		vtepdBPS += bps
		vtepdFlows = max(vtepdFlows, n)

		for _, hv := range hypervisors(r) {
			if err := r.Vtepds[hv].Stop(); err != nil {
				b.Fatal(err)
			}
			if _, err := r.OVS[hv].Ofctl(ctx, "replace-flows", "br-int", "--bundle", files[hv]); err != nil {
				b.Fatal(err)
			}
		}
		mustPing(b, r, "a", "192.168.10.2", 2)
		bps, n = stream(b, r, 3)
		recipeBPS += bps
		recipeFlows = max(recipeFlows, n)
	}
	b.ReportMetric(vtepdBPS/float64(b.N)/1e6, "vtepd-Mbit/s")
	b.ReportMetric(recipeBPS/float64(b.N)/1e6, "recipe-Mbit/s")
	b.ReportMetric(vtepdBPS/recipeBPS, "vtepd/recipe")
	b.ReportMetric(float64(vtepdFlows), "vtepd-megaflows")
	b.ReportMetric(float64(recipeFlows), "recipe-megaflows")
	if vtepdBPS == 0 || recipeBPS == 0 {
		b.Fatal(fmt.Sprintf("a stream moved nothing: vtepd %.0f, recipe %.0f bit/s", vtepdBPS, recipeBPS))
	}
}
