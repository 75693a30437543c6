package main

import (
	"fmt"
	"reflect"
	"testing"
)

// A dump of br-int table=30 on a VTEP that learned a local and a remote MAC.
const table30 = `OFPST_FLOW reply (OF1.3) (xid=0x6):
 cookie=0xc20000000000000a, duration=2.194s, table=30, n_packets=1, n_bytes=42, idle_timeout=300, priority=100,reg0=0xa/0xffffff,dl_dst=02:00:00:00:00:0a actions=load:0->NXM_NX_REG2[],load:0x1->NXM_NX_REG3[0..15]
 cookie=0xc1000000000003e8, duration=1.050s, table=30, n_packets=0, n_bytes=0, idle_timeout=300, priority=100,reg0=0x3e8/0xffffff,dl_dst=02:00:00:00:00:0b actions=load:0xa000002->NXM_NX_REG2[],load:0x2->NXM_NX_REG3[0..15]
 cookie=0x491d055047000000, duration=6.012s, table=30, n_packets=2, n_bytes=124, priority=0 actions=drop
`

const portDescs = `OFPST_PORT_DESC reply (OF1.3) (xid=0x2):
 1(a): addr:de:5e:2b:0c:86:6b
     config:     0
 2(vxlan0): addr:6e:a8:f6:4a:9f:a4
 LOCAL(br-int): addr:82:f4:32:0c:92:4c
`

func TestParseLearned(t *testing.T) {
	ports := parsePortDescs(portDescs)
	if want := map[uint32]string{1: "a", 2: "vxlan0"}; !reflect.DeepEqual(ports, want) {
		t.Fatalf("ports = %v, want %v", ports, want)
	}
	got, err := parseLearned(table30, ports)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"02:00:00:00:00:0a 10 local port a 2s", "02:00:00:00:00:0b 1000 VTEP 10.0.0.2 1s"}
	var gotS []string
	for _, e := range got {
		gotS = append(gotS, fmt.Sprintf("%s %d %s %s", e.MAC, e.VNI, e.Where(), e.Age))
	}
	if !reflect.DeepEqual(gotS, want) {
		t.Errorf("parseLearned = %q, want %q", gotS, want)
	}
	if !hasRemote(got, "02:00:00:00:00:0b", 1000, "10.0.0.2") || hasRemote(got, "02:00:00:00:00:0b", 10, "10.0.0.2") ||
		!hasLocal(got, "02:00:00:00:00:0a", 10, "a") || knows(got, "02:00:00:00:00:0c", 10) {
		t.Error("hasRemote/hasLocal/knows disagree with the entries")
	}
}

func TestParseLearnedErrors(t *testing.T) {
	bad := []string{
		" cookie=0xc10000000000000a, table=30, priority=100,reg0=0xa/0xffffff actions=load:0xa000002->NXM_NX_REG2[]",
		" cookie=0xc10000000000000a, table=30, priority=100,dl_dst=02:00:00:00:00:0b actions=load:0x2->NXM_NX_REG3[0..15]",
	}
	for _, b := range bad {
		if _, err := parseLearned(b, nil); err == nil {
			t.Errorf("parseLearned(%q) = nil error", b)
		}
	}
}

func TestWireLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0e:21:74:d4:d8:4f > 01:00:5e:01:01:01, ethertype IPv4 (0x0800), length 108: 10.0.0.1.40503 > 239.1.1.1.4789: VXLAN, flags [I] (0x08), vni 10 | 02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 58: Request who-has 192.168.10.2 tell 192.168.10.1, length 44",
			"VXLAN 10.0.0.1 -> 239.1.1.1 VNI 10 | 02:00:00:00:00:0a -> ff:ff:ff:ff:ff:ff Request who-has 192.168.10.2 tell 192.168.10.1"},
		{"something else", "something else"},
	}
	for _, tt := range tests {
		if got := wireLine(tt.in); got != tt.want {
			t.Errorf("wireLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMDBAndLinks(t *testing.T) {
	mdb := "dev br-ul port hv2 grp 239.1.1.1 temp\ndev br-ul port hv1 grp 239.1.1.1 temp\ndev br-ul port hv1 grp 239.2.2.2 temp\n"
	if got, want := mdbGroups(mdb), map[string][]string{"239.1.1.1": {"hv2", "hv1"}, "239.2.2.2": {"hv1"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("mdbGroups = %v, want %v", got, want)
	}
	links := "5: hv1@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master br-ul\n7: hv2@if6: <BROADCAST> mtu 1500\n"
	if got, want := linkNames(links), []string{"hv1", "hv2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("linkNames = %v, want %v", got, want)
	}
}
