package trace

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/pipeline"
)

// Flow turns a request into ofproto/trace's flow syntax.
func Flow(r api.TraceRequest, pi Ports, localIP string) (string, error) {
	if err := r.Check(); err != nil {
		return "", err
	}
	var parts []string
	if r.FromTunnel() {
		if pi.tunnel == 0 {
			return "", fmt.Errorf("vni %d: the tunnel port %s is not known yet", r.VNI, pipeline.TunnelPortName)
		}
		parts = append(parts, fmt.Sprintf("in_port=%d", pi.tunnel), fmt.Sprintf("tun_id=%d", r.VNI),
			"tun_src="+r.TunSrc, "tun_dst="+localIP)
	} else {
		p, ok := pi.ByName(r.InPort)
		if !ok {
			if n, err := strconv.ParseUint(r.InPort, 10, 32); err == nil {
				p, ok = pi.ports[uint32(n)]
			}
		}
		if !ok {
			names := []string{}
			for _, q := range pi.ports {
				names = append(names, q.Name)
			}
			return "", fmt.Errorf("in_port %q: not a VM port vtepd knows (ports: %s)", r.InPort, strings.Join(sortedStrings(names), ", "))
		}
		parts = append(parts, fmt.Sprintf("in_port=%d", p.OFPort))
		if r.VLAN != 0 {
			parts = append(parts, fmt.Sprintf("dl_vlan=%d", r.VLAN))
		}
	}
	dst := r.DlDst
	if dst == "" {
		dst = "ff:ff:ff:ff:ff:ff"
	}
	parts = append(parts, "dl_src="+strings.ToLower(r.DlSrc), "dl_dst="+strings.ToLower(dst))
	proto := r.Proto
	if proto == "" && r.NwDst != "" {
		proto = "icmp"
	}
	switch proto {
	case "arp":
		// the sender's hardware address is its source MAC, as a host's
		// ARP request carries it
		parts = append(parts, "arp", "arp_op=1", "arp_tpa="+r.NwDst, "arp_sha="+strings.ToLower(r.DlSrc))
		if r.NwSrc != "" {
			parts = append(parts, "arp_spa="+r.NwSrc)
		}
	case "icmp", "udp", "tcp":
		parts = append(parts, proto, "nw_dst="+r.NwDst)
		if r.NwSrc != "" {
			parts = append(parts, "nw_src="+r.NwSrc)
		}
	}
	return strings.Join(parts, ","), nil
}
