package test

import (
	"strings"
	"testing"
	"time"

	"github.com/vtep/vtep/labs"
)

// waitNeighSource waits until hv binds ip to mac in VNI 10 with source
// ("learned" or "static").
func waitNeighSource(t *testing.T, r *labs.Running, hv, ip, mac, source string) {
	t.Helper()
	var last string
	err := labs.WaitFor(ctxT(t, 30*time.Second), 100*time.Millisecond, func() (bool, error) {
		ns, err := apiClient(r, hv).Neigh(ctxT(t, 5*time.Second), 10)
		last = ""
		for _, n := range ns {
			if n.IP == ip {
				last = n.MAC + " " + n.Source
			}
		}
		return last == mac+" "+source, err
	})
	if err != nil {
		t.Fatalf("%s: %s bound as %q, want %s %s: %v", hv, ip, last, mac, source, err)
	}
}

// TestARPSuppressionEVPN runs labs/evpn.yaml with ARP suppression on: in an
// EVPN network nothing is learned from the tunnel, so each vtepd learns its
// own VM's binding from its ARP and advertises it as a MAC+IP route; the
// other takes the route as a static binding and answers its VM's request
// for that address itself, with nothing on the underlay.
func TestARPSuppressionEVPN(t *testing.T) {
	r := upEVPN(t, suppressing)
	// The first ARP floods only once the VTEPs have each other's type-3
	// routes.
	err := labs.WaitFor(ctxT(t, 30*time.Second), 200*time.Millisecond, func() (bool, error) {
		return ping(t, r, "a", ipB, 1) == nil, nil
	})
	if err != nil {
		t.Fatalf("a -> b never answered: %v", err)
	}
	waitNeighSource(t, r, "hv1", ipA, macA, "learned")
	waitNeighSource(t, r, "hv2", ipA, macA, "static")
	waitNeighSource(t, r, "hv1", ipB, macB, "static")
	wire := capture(t, r, "ul", "hv2", "udp port 4789")
	out, err := arping(t, r, "b", ipA)
	if err != nil || !strings.Contains(strings.ToLower(out), macA) {
		t.Fatalf("b's arping for a: %v\n%s\nwant a reply from %s", err, out, macA)
	}
	mustPing(t, r, "b", ipA, 1)
	waitLine(t, wire, "b's ping to a on the underlay", "> "+ipA+": ICMP echo request")
	checkCount(t, "ARP on hv2's link", wire.Stop(), 0, "ARP")
	if answered, _ := responderCounts(t, r, "hv2"); answered < 1 {
		t.Errorf("hv2: responder answered %d requests, want at least 1", answered)
	}
}
