package config

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadExample(t *testing.T) {
	c, err := Load("example.yaml")
	if err != nil {
		t.Fatalf("Load(example.yaml): %v", err)
	}
	want := Default()
	want.Underlay.Uplink = "eth0"
	want.Underlay.LocalIP = netip.MustParsePrefix("10.0.0.1/24")
	want.Networks = []Network{
		{VNI: 10, VLAN: 1, Group: netip.MustParseAddr("239.1.1.1")},
		{VNI: 20, VLAN: 2, Group: netip.MustParseAddr("239.1.1.1")},
		{VNI: 30, Group: netip.MustParseAddr("239.1.1.2"), Subnets: []netip.Prefix{netip.MustParsePrefix("192.168.30.0/24")}},
	}
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("Load(example.yaml)\n got %+v\nwant %+v", *c, want)
	}
}

const minimal = `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24}
networks:
  - {vni: 10, vlan: 1, group: 239.1.1.1}
`

func TestDefaults(t *testing.T) {
	c, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"ovsdb", c.OVSDB, DefaultOVSDB},
		{"openflow.listen", c.OpenFlow.Listen, DefaultOpenFlowListen},
		{"openflow.max_connections", c.OpenFlow.MaxConnections, uint32(DefaultMaxConnections)},
		{"openflow.max_handshakes", c.OpenFlow.MaxHandshakes, uint32(DefaultMaxHandshakes)},
		{"openflow.ovs_user", c.OpenFlow.OVSUser, ""},
		{"bridge", c.Bridge, DefaultBridge},
		{"datapath_type", c.DatapathType, DefaultDatapathType},
		{"underlay.bridge", c.Underlay.Bridge, DefaultUnderlayBridge},
		{"underlay.udp_port", c.Underlay.UDPPort, uint16(DefaultUDPPort)},
		{"flood.mode", c.Flood.Mode, FloodMulticast},
		{"mac_ageing", c.MACAgeing, DefaultMACAgeing},
		{"api.listen", c.API.Listen, DefaultAPIListen},
		{"metrics.listen", c.Metrics.Listen, ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestExplicitValuesWin(t *testing.T) {
	c, err := Parse([]byte(minimal + `
api: {listen: ""}
mac_ageing: 90
datapath_type: system
openflow: {listen: "tcp:127.0.0.1:6653"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.API.Listen != "" || c.MACAgeing != 90*time.Second || c.DatapathType != "system" || c.OpenFlow.Listen != "tcp:127.0.0.1:6653" {
		t.Errorf("explicit values lost: %+v", c)
	}
	if got := c.MACAgeingSeconds(); got != 90 {
		t.Errorf("MACAgeingSeconds() = %d, want 90", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // one entry per expected FieldError
		is   error
	}{
		{"vlan range", minimal + `  - {vni: 11, vlan: 5000, group: 239.1.1.1}`,
			[]string{"networks[1].vlan: 5000 out of range 1..4094"}, ErrOutOfRange},
		{"bum_pps range", minimal + `  - {vni: 11, vlan: 5, group: 239.1.1.1, bum_pps: 100000001}`,
			[]string{"networks[1].bum_pps: 100000001 out of range 0..100000000"}, ErrOutOfRange},
		{"bum_pps not a number", "bum_pps: fast\n" + minimal,
			[]string{"bum_pps: fast invalid: not a number"}, ErrInvalid},
		{"arp_suppression unknown", minimal + `  - {vni: 11, vlan: 5, group: 239.1.1.1, arp_suppression: evpn}`,
			[]string{"networks[1].arp_suppression: evpn invalid: want one of off, learned, static"}, ErrInvalid},
		{"vni range", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24}
networks: [{vni: 16777216, vlan: 1, group: 239.1.1.1}]`,
			[]string{"networks[0].vni: 16777216 out of range 1..16777215"}, ErrOutOfRange},
		{"negative vni", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24}
networks: [{vni: -1, vlan: 1, group: 239.1.1.1}]`,
			[]string{"networks[0].vni: -1 out of range"}, ErrOutOfRange},
		{"vni not a number", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24}
networks: [{vni: ten, vlan: 1, group: 239.1.1.1}]`,
			[]string{"networks[0].vni: ten invalid: not a number"}, ErrInvalid},
		{"unknown keys", minimal + "bogus: 1\nunderlay2: {}\n",
			[]string{"bogus: unknown key", "underlay2: unknown key"}, ErrUnknownKey},
		{"nested unknown key", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24, udp: 1}
networks: [{vni: 10, vlan: 1, group: 239.1.1.1, vlans: [2]}]`,
			[]string{"underlay.udp: unknown key", "networks[0].vlans: unknown key"}, ErrUnknownKey},
		{"duplicate key", minimal + "bridge: a\nbridge: b\n", []string{"bridge: duplicate key"}, ErrDuplicate},
		{"link-local group", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24}
networks: [{vni: 10, vlan: 1, group: 224.0.0.5}]`,
			[]string{"networks[0].group: 224.0.0.5 invalid: is in 224.0.0.0/24"}, ErrInvalid},
		{"unicast group", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24}
networks: [{vni: 10, vlan: 1, group: 10.1.1.1}]`,
			[]string{"networks[0].group: 10.1.1.1 invalid: want an IPv4 multicast address"}, ErrInvalid},
		{"bad group address", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24}
networks: [{vni: 10, vlan: 1, group: 239.1.1}]`,
			[]string{"networks[0].group: 239.1.1 invalid: not an IP address"}, ErrInvalid},
		{"missing group in multicast mode", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24}
networks: [{vni: 10, vlan: 1}]`,
			[]string{"networks[0].group: required"}, ErrRequired},
		{"one vlan two vnis", minimal + `  - {vni: 11, vlan: 1, group: 239.1.1.1}`,
			[]string{"networks[1].vlan: 1 duplicate: already mapped by networks[0]"}, ErrDuplicate},
		{"duplicate vni", minimal + `  - {vni: 10, vlan: 2, group: 239.1.1.1}`,
			[]string{"networks[1].vni: 10 duplicate: also networks[0].vni"}, ErrDuplicate},
		{"neither vlan nor subnets", minimal + `  - {vni: 11, group: 239.1.1.1}`,
			[]string{"networks[1]: required: a network needs vlan or subnets"}, ErrRequired},
		{"missing vni", minimal + `  - {vlan: 2, group: 239.1.1.1}`,
			[]string{"networks[1].vni: required"}, ErrRequired},
		{"overlapping subnets", minimal + `  - {vni: 11, group: 239.1.1.1, subnets: [192.168.0.0/16]}
  - {vni: 12, group: 239.1.1.1, subnets: [192.168.10.0/24]}`,
			[]string{"networks[2].subnets[0]: 192.168.10.0/24 duplicate: overlaps 192.168.0.0/16 of networks[1]"}, ErrDuplicate},
		{"subnet with host bits", minimal + `  - {vni: 11, group: 239.1.1.1, subnets: [192.168.10.5/24]}`,
			[]string{"networks[1].subnets[0]: 192.168.10.5/24 invalid: has host bits set (did you mean 192.168.10.0/24?)"}, ErrInvalid},
		{"local ip without prefix", `
underlay: {uplink: eth0, local_ip: 10.0.0.1}
networks: [{vni: 10, vlan: 1, group: 239.1.1.1}]`,
			[]string{"underlay.local_ip: 10.0.0.1 invalid: not an address with a prefix length"}, ErrInvalid},
		{"local ip missing", `
underlay: {uplink: eth0}
networks: [{vni: 10, vlan: 1, group: 239.1.1.1}]`,
			[]string{"underlay.local_ip: required"}, ErrRequired},
		{"uplink missing in multicast mode", `
underlay: {local_ip: 10.0.0.1/24}
networks: [{vni: 10, vlan: 1, group: 239.1.1.1}]`,
			[]string{"underlay.uplink: required"}, ErrRequired},
		{"bad duration", minimal + "mac_ageing: 5 minutes\n",
			[]string{"mac_ageing: 5 minutes invalid: not a duration"}, ErrInvalid},
		{"ageing too long", minimal + "mac_ageing: 24h\n",
			[]string{"mac_ageing: 24h0m0s out of range: want 1s..65535s"}, ErrOutOfRange},
		{"fractional ageing", minimal + "mac_ageing: 1.5s\n",
			[]string{"mac_ageing: 1.5s invalid: want whole seconds"}, ErrInvalid},
		{"udp port zero", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/24, udp_port: 0}
networks: [{vni: 10, vlan: 1, group: 239.1.1.1}]`,
			[]string{"underlay.udp_port: 0 out of range 1..65535"}, ErrOutOfRange},
		{"flood mode", minimal + "flood: {mode: broadcast}\n",
			[]string{"flood.mode: broadcast invalid: want multicast or replication"}, ErrInvalid},
		{"replication without peers", `
underlay: {local_ip: 10.0.0.1/24}
flood: {mode: replication}
networks: [{vni: 10, vlan: 1}]`,
			[]string{"flood.peers: required: replication mode needs at least one peer VTEP"}, ErrRequired},
		{"peer is local ip", `
underlay: {local_ip: 10.0.0.1/24}
flood: {mode: replication, peers: [10.0.0.2, 10.0.0.1, 10.0.0.2]}
networks: [{vni: 10, vlan: 1}]`,
			[]string{"flood.peers[1]: 10.0.0.1 invalid: is underlay.local_ip", "flood.peers[2]: 10.0.0.2 duplicate"}, ErrInvalid},
		{"endpoints", minimal + "ovsdb: /var/run/db.sock\nopenflow: {listen: 'tcp:nohost'}\nmetrics: {listen: 9310}\n",
			[]string{"ovsdb: /var/run/db.sock invalid: want unix:PATH or tcp:HOST:PORT",
				"openflow.listen: tcp:nohost invalid: want unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT",
				"metrics.listen: 9310 invalid: want HOST:PORT"}, ErrInvalid},
		{"openflow caps", minimal + "openflow: {max_connections: 4, max_handshakes: 8}\n",
			[]string{"openflow.max_handshakes: 8 invalid: more than openflow.max_connections (4)"}, ErrInvalid},
		{"openflow cap zero", minimal + "openflow: {max_connections: 0}\n",
			[]string{"openflow.max_connections: 0 out of range 1..65535"}, ErrOutOfRange},
		{"ssl without its files", minimal + "openflow: {listen: 'ssl:127.0.0.1:6653', certificate: cert.pem}\n",
			[]string{"openflow.private_key: required: an ssl: openflow.listen needs private_key, certificate and ca_cert",
				"openflow.certificate: cert.pem invalid: want an absolute path",
				"openflow.ca_cert: required"}, ErrRequired},
		{"pki without ssl", minimal + "openflow: {listen: 'tcp:127.0.0.1:6653', ca_cert: /etc/ca.pem}\n",
			[]string{"openflow.ca_cert: /etc/ca.pem invalid: only an ssl: openflow.listen uses it"}, ErrInvalid},
		{"openflow user", minimal + "openflow: {ovs_user: 'open vswitch'}\n",
			[]string{"openflow.ovs_user: open vswitch invalid: want a user name or a numeric uid"}, ErrInvalid},
		{"datapath", minimal + "datapath_type: kernel\n", []string{"datapath_type: kernel invalid: want netdev or system"}, ErrInvalid},
		{"bridge name", minimal + "bridge: a-very-long-bridge-name\n", []string{"bridge: a-very-long-bridge-name invalid: want an interface name"}, ErrInvalid},
		{"same bridges", minimal + "bridge: br-phy\n", []string{"underlay.bridge: br-phy invalid: must differ from bridge"}, ErrInvalid},
		{"list where a scalar belongs", minimal + "bridge: [a, b]\n", []string{"bridge: invalid: want a string"}, ErrInvalid},
		{"subnet too small for gateways", `
underlay: {uplink: eth0, local_ip: 10.0.0.1/30}
networks: [{vni: 10, vlan: 1, group: 239.1.1.1}, {vni: 11, vlan: 2, group: 239.1.1.2}]`,
			[]string{"underlay.local_ip: 10.0.0.1/30 invalid: subnet 10.0.0.0/30 has room for 1 multicast gateways, 2 groups need one each"}, ErrInvalid},
		{"duplicate top-level key", minimal + "underlay: {}\n", []string{"underlay: duplicate key"}, ErrDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.yaml))
			if err == nil {
				t.Fatalf("Parse succeeded with %+v, want errors %q", c, tt.want)
			}
			checkFieldErrors(t, err, tt.want, tt.is)
		})
	}
}

func TestMulticastGatewayList(t *testing.T) {
	base := `
networks: [{vni: 10, vlan: 1, group: 239.1.1.1}, {vni: 11, vlan: 2, group: 239.1.1.2}]
underlay: {uplink: eth0, local_ip: 10.0.0.1/24, mcast_gateways: `
	tests := []struct {
		list string
		want []string
	}{
		{"[10.0.0.9, 10.0.0.8]", nil},
		{"[10.0.0.9]", []string{"underlay.mcast_gateways: 1 invalid: gateways listed, but 2 multicast groups need one each"}},
		{"[10.0.1.9, 10.0.0.1, 10.0.0.7, 10.0.0.7]", []string{
			"underlay.mcast_gateways[0]: 10.0.1.9 invalid: not inside underlay.local_ip's subnet 10.0.0.0/24",
			"underlay.mcast_gateways[1]: 10.0.0.1 invalid: is underlay.local_ip",
			"underlay.mcast_gateways[3]: 10.0.0.7 duplicate"}},
	}
	for _, tt := range tests {
		t.Run(tt.list, func(t *testing.T) {
			c, err := Parse([]byte(base + tt.list + "}\n"))
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				gws, err := c.MulticastGateways()
				if err != nil {
					t.Fatal(err)
				}
				want := []GroupGateway{
					{netip.MustParseAddr("239.1.1.1"), netip.MustParseAddr("10.0.0.9")},
					{netip.MustParseAddr("239.1.1.2"), netip.MustParseAddr("10.0.0.8")},
				}
				if !reflect.DeepEqual(gws, want) {
					t.Errorf("MulticastGateways() = %v, want %v", gws, want)
				}
				return
			}
			got := fieldErrors(t, err)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(got), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i].Error(), w) {
					t.Errorf("error %d\n got %s\nwant prefix %s", i, got[i], w)
				}
			}
		})
	}
}

func TestAllErrorsCollected(t *testing.T) {
	_, err := Parse([]byte(`
underlay: {uplink: eth0, local_ip: 10.0.0.1/24}
flood: {mode: flooding}
mac_ageing: 0s
networks:
  - {vni: 10, vlan: 1, group: 224.0.0.1}
  - {vni: 10, vlan: 1, group: 239.1.1.1}
`))
	got := fieldErrors(t, err)
	paths := make([]string, len(got))
	for i, e := range got {
		paths[i] = e.Path
	}
	want := []string{"flood.mode", "mac_ageing", "networks[0].group", "networks[1].vni", "networks[1].vlan"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("error paths = %v, want %v\n%v", paths, want, err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want ErrNotExist", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("networks: [{vni: 0}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(bad)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "networks[0].vni: 0 out of range") {
		t.Errorf("Load(bad) = %v, want an error naming the file and networks[0].vni", err)
	}
	if _, err := Parse([]byte("a: [")); err == nil {
		t.Errorf("Parse(malformed YAML) succeeded")
	}
	if _, err := Parse([]byte(minimal + "---\n" + minimal)); err == nil {
		t.Errorf("Parse(two documents) succeeded")
	}
}

func fieldErrors(t *testing.T, err error) []*FieldError {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %v is not a joined list", err)
	}
	var out []*FieldError
	for _, e := range j.Unwrap() {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("error %v is not a *FieldError", e)
		}
		out = append(out, fe)
	}
	return out
}

func TestNetworkBUMPPS(t *testing.T) {
	c := &Config{BUMPPS: 500}
	if got := c.NetworkBUMPPS(Network{VNI: 1}); got != 500 {
		t.Errorf("default: %d, want 500", got)
	}
	if got := c.NetworkBUMPPS(Network{VNI: 1, BUMPPS: 20}); got != 20 {
		t.Errorf("own rate: %d, want 20", got)
	}
	if got := (&Config{}).NetworkBUMPPS(Network{VNI: 1}); got != 0 {
		t.Errorf("unset: %d, want 0", got)
	}
}

// checkFieldErrors asserts that err lists exactly one FieldError per want,
// in order, each starting with its want, and that it wraps is.
func checkFieldErrors(t *testing.T, err error, want []string, is error) {
	t.Helper()
	got := fieldErrors(t, err)
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(got), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i].Error(), w) {
			t.Errorf("error %d\n got %s\nwant prefix %s", i, got[i], w)
		}
	}
	if !errors.Is(err, is) {
		t.Errorf("errors.Is(err, %v) = false for %v", is, err)
	}
}
