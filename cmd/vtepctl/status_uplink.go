package main

import (
	"fmt"

	"github.com/vtep/vtep/api"
)

// uplinkLine prints the uplink's ARP setting for status: fine, unknown, or
// the warning (not a failed health check).
func uplinkLine(u *api.UplinkStatus) string {
	switch {
	case u == nil:
		return "-"
	case u.Error != "":
		return fmt.Sprintf("%s (arp_ignore unknown: %s)", u.Name, u.Error)
	case u.Warning != "":
		return fmt.Sprintf("%s: WARNING %s", u.Name, u.Warning)
	}
	return fmt.Sprintf("%s (arp_ignore %d: the kernel does not answer ARP for the VTEP address on it)", u.Name, max(u.ARPIgnore, u.ARPIgnoreAll))
}
