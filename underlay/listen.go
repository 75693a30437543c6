package underlay

import (
	"context"
	"fmt"
	"net"
	"strings"
)

// Listening reports whether OVS decapsulates VXLAN sent to local on UDP
// port: whether tnl/ports/show -v lists a receive entry for that address
// and port. A VTEP whose address is missing there answers every VXLAN
// packet with ICMP port unreachable.
func Listening(ctx context.Context, u Caller, local net.IP, port uint16) (bool, error) {
	show, err := u.Call(ctx, "tnl/ports/show", "-v")
	if err != nil {
		return false, fmt.Errorf("read tunnel receive ports: %w", err)
	}
	return ListensOn(show, local, port), nil
}

// ListensOn reads tnl/ports/show -v output, whose entries look like
//
//	vxlan_sys_4789 (3) : eth(dst=1e:5e:a0:99:3a:42),eth_type(0x0800),ipv4(dst=10.0.0.1,proto=17,frag=no),udp(dst=4789)
func ListensOn(show string, local net.IP, port uint16) bool {
	ip := "ipv4(dst=" + local.String() + ","
	udp := fmt.Sprintf("udp(dst=%d)", port)
	for _, line := range strings.Split(show, "\n") {
		if strings.Contains(line, ip) && strings.Contains(line, "proto=17") && strings.Contains(line, udp) {
			return true
		}
	}
	return false
}
