package labs_test

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/vtep/vtep/labs"
)

func TestParseBGPSummary(t *testing.T) {
	peers, err := labs.ParseBGPSummary(readTestdata(t, "frr_bgp_evpn_summary_rr.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []labs.BGPPeer{{Address: "10.0.0.3", State: "Established", RemoteAS: 65000, PfxRcd: 2}, {Address: "10.0.0.4", State: "Established", RemoteAS: 65000, PfxRcd: 2}}
	if !reflect.DeepEqual(peers, want) {
		t.Errorf("ParseBGPSummary = %+v, want %+v", peers, want)
	}
	peers, err = labs.ParseBGPSummary(readTestdata(t, "frr_bgp_evpn_summary_idle.json"))
	if err != nil || len(peers) != 2 || peers[1].State != "Idle (Admin)" {
		t.Errorf("ParseBGPSummary(idle) = %+v, %v; want 10.0.0.4 Idle (Admin)", peers, err)
	}
	// No BGP instance: vtysh prints {} (or nothing parsable).
	if peers, err := labs.ParseBGPSummary("{}"); err != nil || len(peers) != 0 {
		t.Errorf("ParseBGPSummary({}) = %v, %v", peers, err)
	}
}

func TestParseEVPNMACs(t *testing.T) {
	macs, err := labs.ParseEVPNMACs(readTestdata(t, "frr_evpn_mac_vni.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]labs.EVPNMAC{
		"02:00:00:00:00:04": {Type: "remote", RemoteVTEP: netip.MustParseAddr("10.0.0.4")},
		"02:00:00:00:00:03": {Type: "local", Intf: "host"},
	}
	if !reflect.DeepEqual(macs, want) {
		t.Errorf("ParseEVPNMACs = %+v, want %+v", macs, want)
	}
}

func TestParseEVPNType3(t *testing.T) {
	routes, err := labs.ParseEVPNType3(readTestdata(t, "frr_evpn_type3.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []labs.EVPNType3{
		{RD: "10.0.0.3:2", OriginIP: netip.MustParseAddr("10.0.0.3"), RTs: []string{"RT:65000:10"}, PeerID: "(unspec)", Best: true},
		{RD: "10.0.0.4:2", OriginIP: netip.MustParseAddr("10.0.0.4"), RTs: []string{"RT:65000:10"}, PeerID: "10.0.0.254", Best: true},
	}
	if !reflect.DeepEqual(routes, want) {
		t.Errorf("ParseEVPNType3 = %+v, want %+v", routes, want)
	}
}

// TestParseFRRMalformed feeds the parsers what a broken or unexpected
// vtysh prints: an error or nothing, never a panic.
func TestParseFRRMalformed(t *testing.T) {
	inputs := []string{"", "% Unknown command", "{", "[]", `{"peers": 3}`, `{"macs": {"x": {"remoteVtep": "not-an-ip"}}}`,
		`{"rd": {"p": {"paths": [[{"routeType": 3, "ip": "bogus"}]]}}}`, `{"rd": {"p": {"paths": "x"}}}`, "null"}
	for _, in := range inputs {
		if _, err := labs.ParseBGPSummary(in); err == nil && strings.Contains(in, "peers") {
			t.Errorf("ParseBGPSummary(%q) accepted a peers value that is no object", in)
		}
		if _, err := labs.ParseEVPNMACs(in); err == nil && strings.Contains(in, "not-an-ip") {
			t.Errorf("ParseEVPNMACs(%q) accepted a bad remoteVtep", in)
		}
		if rs, _ := labs.ParseEVPNType3(in); len(rs) != 0 {
			t.Errorf("ParseEVPNType3(%q) = %+v, want no routes", in, rs)
		}
	}
}

func TestParseFDBExternLearn(t *testing.T) {
	es := labs.ParseFDB(readTestdata(t, "bridge_fdb_evpn.txt"))
	if len(es) != 1 || es[0].MAC.String() != "02:00:00:00:00:04" || es[0].Dst != netip.MustParseAddr("10.0.0.4") || !es[0].ExternLearn {
		t.Errorf("ParseFDB = %+v, want 02:00:00:00:00:04 dst 10.0.0.4 extern_learn", es)
	}
	for _, e := range labs.ParseFDB(readTestdata(t, "bridge_fdb_show.txt")) {
		if e.ExternLearn {
			t.Errorf("%+v: extern_learn on an entry without it", e)
		}
	}
}
