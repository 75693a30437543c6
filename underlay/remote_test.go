package underlay

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

func TestCheckRemote(t *testing.T) {
	local := netip.MustParsePrefix("10.0.0.1/24")
	reserved := []netip.Addr{netip.MustParseAddr("10.0.0.254")}
	tests := []struct {
		ip string
		ok bool
	}{
		{"10.0.0.2", true},
		{"10.0.0.253", true},
		{"10.0.0.1", false},        // itself
		{"10.0.0.254", false},      // placeholder gateway
		{"10.0.0.0", false},        // network address
		{"10.0.0.255", false},      // subnet broadcast
		{"10.0.1.2", false},        // outside the subnet
		{"192.168.0.7", false},     // outside the subnet
		{"0.0.0.0", false},         // zero
		{"255.255.255.255", false}, // broadcast
		{"127.0.0.1", false},       // loopback
		{"239.1.1.1", false},       // multicast
		{"224.0.0.1", false},       // multicast
		{"::1", false},             // not IPv4
		{"fe80::1", false},         // not IPv4
	}
	for _, tt := range tests {
		err := CheckRemote(netip.MustParseAddr(tt.ip), local, reserved)
		if (err == nil) != tt.ok {
			t.Errorf("CheckRemote(%s) = %v, want ok=%v", tt.ip, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrNotResolvable) {
			t.Errorf("CheckRemote(%s) = %v, does not wrap ErrNotResolvable", tt.ip, err)
		}
	}
	if err := CheckRemote(netip.Addr{}, local, nil); err == nil {
		t.Errorf("CheckRemote(invalid) = nil")
	}
	// A /31 has no network or broadcast address: both ends are hosts.
	p31 := netip.MustParsePrefix("10.0.0.0/31")
	if err := CheckRemote(netip.MustParseAddr("10.0.0.1"), p31, nil); err != nil {
		t.Errorf("CheckRemote on a /31: %v", err)
	}
	// A VTEP in a /16 resolves peers across its whole subnet.
	if err := CheckRemote(netip.MustParseAddr("10.0.200.9"), netip.MustParsePrefix("10.0.0.1/16"), nil); err != nil {
		t.Errorf("CheckRemote in a /16: %v", err)
	}
	if err := CheckRemote(netip.MustParseAddr("10.0.255.255"), netip.MustParsePrefix("10.0.0.1/16"), nil); err == nil {
		t.Errorf("CheckRemote accepted a /16's broadcast address")
	}
}

func TestParseNeighbors(t *testing.T) {
	show := "IP                                            MAC                 Bridge\n" +
		"==========================================================================\n" +
		"10.0.0.254                                    01:00:5e:01:01:01   br-phy\n" +
		"10.0.0.2                                      aa:23:47:cb:23:4b   br-phy\n" +
		"10.0.0.3                                      c6:32:fc:8e:81:43   br-other\n" +
		"fe80::1                                       c6:32:fc:8e:81:44   br-phy\n" +
		"garbage\n"
	got := ParseNeighbors(show, "br-phy")
	want := map[netip.Addr]Neighbor{
		netip.MustParseAddr("10.0.0.254"): {netip.MustParseAddr("10.0.0.254"), "01:00:5e:01:01:01", "br-phy"},
		netip.MustParseAddr("10.0.0.2"):   {netip.MustParseAddr("10.0.0.2"), "aa:23:47:cb:23:4b", "br-phy"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseNeighbors = %v, want %v", got, want)
	}
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

func TestPlanRemotes(t *testing.T) {
	local := netip.MustParsePrefix("10.0.0.1/24")
	check := func(ip netip.Addr) error { return CheckRemote(ip, local, addrs("10.0.0.254")) }
	now := time.Unix(1_000_000, 0)
	refresh := 5 * time.Minute
	cache := map[netip.Addr]Neighbor{}
	for _, ip := range addrs("10.0.0.2", "10.0.0.3", "10.0.0.4") {
		cache[ip] = Neighbor{IP: ip, MAC: "02:00:00:00:00:01", Bridge: "br-phy"}
	}
	state := map[netip.Addr]RemoteState{
		netip.MustParseAddr("10.0.0.3"): {LastSet: now.Add(-time.Minute)},      // fresh
		netip.MustParseAddr("10.0.0.4"): {LastSet: now.Add(-6 * time.Minute)},  // due for refresh
		netip.MustParseAddr("10.0.0.5"): {Busy: true},                          // in flight
		netip.MustParseAddr("10.0.0.6"): {RetryAt: now.Add(time.Second)},       // backing off
		netip.MustParseAddr("10.0.0.7"): {RetryAt: now.Add(-time.Second)},      // backed off
		netip.MustParseAddr("10.0.0.8"): {LastSet: now.Add(-10 * time.Second)}, // set, but expired in OVS
	}
	learned := addrs("10.0.0.8", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7",
		"10.0.0.9", "10.0.0.9", // learned twice (two VNIs)
		"239.1.1.1", "0.0.0.0", "255.255.255.255", "127.0.0.1", "10.0.0.255", "10.0.0.254", "10.0.0.1", "172.16.0.1")
	p := PlanRemotes(learned, cache, state, now, refresh, 10, check)
	if want := addrs("10.0.0.4", "10.0.0.7", "10.0.0.8", "10.0.0.9"); !reflect.DeepEqual(p.Resolve, want) {
		t.Errorf("Resolve = %v, want %v", p.Resolve, want)
	}
	if want := addrs("10.0.0.2"); !reflect.DeepEqual(p.Fresh, want) {
		t.Errorf("Fresh = %v, want %v", p.Fresh, want)
	}
	if p.Later != 0 {
		t.Errorf("Later = %d, want 0", p.Later)
	}
	// Every hostile address is skipped, none resolved.
	for _, ip := range addrs("239.1.1.1", "0.0.0.0", "255.255.255.255", "127.0.0.1", "10.0.0.255", "10.0.0.254", "10.0.0.1", "172.16.0.1") {
		if err, ok := p.Skip[ip]; !ok || !errors.Is(err, ErrNotResolvable) {
			t.Errorf("Skip[%s] = %v, want ErrNotResolvable", ip, err)
		}
	}
	if len(p.Skip) != 8 {
		t.Errorf("Skip has %d entries, want 8: %v", len(p.Skip), p.Skip)
	}

	// The cap: two in flight at most, the rest wait for a later pass.
	p = PlanRemotes(learned, cache, state, now, refresh, 2, check)
	if want := addrs("10.0.0.4", "10.0.0.7"); !reflect.DeepEqual(p.Resolve, want) || p.Later != 2 {
		t.Errorf("with budget 2: Resolve = %v, Later = %d; want %v, 2", p.Resolve, p.Later, want)
	}
	p = PlanRemotes(learned, cache, state, now, refresh, 0, check)
	if len(p.Resolve) != 0 || p.Later != 4 {
		t.Errorf("with budget 0: Resolve = %v, Later = %d; want none, 4", p.Resolve, p.Later)
	}
}

func TestParseRouteLookup(t *testing.T) {
	tests := []struct {
		out     string
		want    NextHop
		wantErr bool
	}{
		{"src 10.0.0.1\ngateway ::\ndev br-phy\n", NextHop{Dev: "br-phy"}, false},
		{"src 10.0.0.1\ngateway 0.0.0.0\ndev br-phy\n", NextHop{Dev: "br-phy"}, false},
		{"src 10.0.0.1\ngateway 10.0.0.254\ndev br-phy\n", NextHop{Gateway: netip.MustParseAddr("10.0.0.254"), Dev: "br-phy"}, false},
		{"src 10.0.0.1\ngateway ::ffff:10.0.0.9\ndev br-phy\n", NextHop{Gateway: netip.MustParseAddr("10.0.0.9"), Dev: "br-phy"}, false},
		{"src 10.0.0.1\ndev br-phy\n", NextHop{}, true},
		{"src 10.0.0.1\ngateway nonsense\ndev br-phy\n", NextHop{}, true},
		{"", NextHop{}, true},
	}
	for _, tt := range tests {
		got, err := parseRouteLookup(tt.out)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseRouteLookup(%q) = %+v, %v; want %+v, error %v", tt.out, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestCheckOnLink(t *testing.T) {
	ip := netip.MustParseAddr("10.0.0.2")
	if err := CheckOnLink(ip, NextHop{Dev: "br-phy"}, "br-phy"); err != nil {
		t.Errorf("on link: %v", err)
	}
	if err := CheckOnLink(ip, NextHop{Gateway: ip, Dev: "br-phy"}, "br-phy"); err != nil {
		t.Errorf("itself as gateway: %v", err)
	}
	for _, r := range []NextHop{
		{Gateway: netip.MustParseAddr("10.0.0.254"), Dev: "br-phy"},
		{Dev: "eth9"},
	} {
		if err := CheckOnLink(ip, r, "br-phy"); !errors.Is(err, ErrNotResolvable) {
			t.Errorf("CheckOnLink(%+v) = %v, want ErrNotResolvable", r, err)
		}
	}
}
