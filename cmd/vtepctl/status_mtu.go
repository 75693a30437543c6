package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/vtep/vtep/api"
)

// vxlanOverhead is what VXLAN over IPv4 adds to a frame (outer Ethernet,
// IPv4, UDP, VXLAN), as pipeline.VXLANOverhead.
const vxlanOverhead = 50

// portMTU is a port's MTU column: the MTU, "TOO LARGE" when the underlay
// cannot carry its frames, "-" when unknown.
func portMTU(p api.PortStatus) string {
	switch {
	case p.MTU <= 0:
		return "-"
	case p.Oversize:
		return strconv.Itoa(p.MTU) + " TOO LARGE"
	}
	return strconv.Itoa(p.MTU)
}

// printOversize says, below the ports, what a port flagged TOO LARGE means
// and what to do about it; nothing when no port is flagged.
func printOversize(w io.Writer, s api.Status) {
	n := 0
	for _, p := range s.Ports {
		if p.Oversize {
			n++
		}
	}
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "  %d port(s) TOO LARGE: the underlay's MTU is %d and VXLAN adds %d bytes, so frames of IP packets above %d bytes are lost;"+
		" set the guest's MTU to %d or raise the underlay's MTU\n", n, s.UnderlayMTU, vxlanOverhead, s.UnderlayMTU-vxlanOverhead, s.UnderlayMTU-vxlanOverhead)
}
