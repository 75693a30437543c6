package api

import "sort"

// NeighEntry is one IP -> MAC binding of ARP suppression (GET /v1/neigh).
type NeighEntry struct {
	IP  string `json:"ip"`
	MAC string `json:"mac"`
	VNI uint32 `json:"vni"`
	// Source is "learned" (from an ARP sender, in the data plane) or
	// "static" (a secured port's allowed IP, or a control plane's route).
	Source string `json:"source"`
	// Age is the time in seconds since the binding was learned or
	// programmed (the flow's duration).
	Age float64 `json:"age_s"`
	// HardTimeout is mac_ageing for a learned binding (it goes that long
	// after its sender's last ARP), 0 for a static one.
	HardTimeout uint16 `json:"hard_timeout"`
	// Hits counts the requests the binding was looked up for.
	Hits uint64 `json:"hits"`
}

// SortNeigh orders entries by VNI, then IP (numerically).
func SortNeigh(es []NeighEntry, less func(a, b string) bool) {
	sort.Slice(es, func(i, j int) bool {
		if es[i].VNI != es[j].VNI {
			return es[i].VNI < es[j].VNI
		}
		return less(es[i].IP, es[j].IP)
	})
}
