package labs

import (
	"fmt"
	"net"
)

// MaxIfName is the longest Linux interface name (IFNAMSIZ - 1).
const MaxIfName = 15

// ValidateName checks a name used for an interface, namespace or node: 1..max
// characters from [A-Za-z0-9_.-], not starting with '-' or '.'. The error
// names what the name is for and the value.
func ValidateName(what, name string, max int) error {
	if name == "" {
		return fmt.Errorf("labs: %s name is empty", what)
	}
	if len(name) > max {
		return fmt.Errorf("labs: %s name %q is %d characters long, at most %d allowed", what, name, len(name), max)
	}
	if name[0] == '-' || name[0] == '.' {
		return fmt.Errorf("labs: %s name %q must not start with %q", what, name, name[0])
	}
	for _, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
		if !ok {
			return fmt.Errorf("labs: %s name %q has the character %q; use letters, digits, '_', '-' or '.'", what, name, c)
		}
	}
	return nil
}

// ParseCIDR parses an address with its prefix ("10.0.0.1/24"), naming the
// field in its error.
func ParseCIDR(field, s string) (net.IP, *net.IPNet, error) {
	ip, n, err := net.ParseCIDR(s)
	if err != nil {
		return nil, nil, fmt.Errorf("labs: %s: %q is not an address with a prefix like 10.0.0.1/24", field, s)
	}
	return ip, n, nil
}

// ParseMAC parses a unicast Ethernet address, naming the field in its error.
func ParseMAC(field, s string) (net.HardwareAddr, error) {
	mac, err := net.ParseMAC(s)
	if err != nil || len(mac) != 6 {
		return nil, fmt.Errorf("labs: %s: %q is not an Ethernet address like 02:00:00:00:00:01", field, s)
	}
	if mac[0]&1 != 0 {
		return nil, fmt.Errorf("labs: %s: %q is a multicast address; a host needs a unicast one", field, s)
	}
	return mac, nil
}
