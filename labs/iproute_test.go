package labs_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/vtep/vtep/labs"
)

func TestParseMDB(t *testing.T) {
	es := labs.ParseMDB(readTestdata(t, "bridge_mdb_show.txt"))
	if len(es) != 4 || es[0] != (labs.MDBEntry{Dev: "br-ul", Port: "hv2", Group: "239.1.1.1", State: "temp"}) {
		t.Fatalf("ParseMDB = %+v", es)
	}
	got := labs.GroupMembers(es)
	want := map[string][]string{"239.1.1.1": {"hv1", "hv2"}, "239.2.2.2": {"hv1"}, "ff02::6a": {"br-ul"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GroupMembers = %v, want %v", got, want)
	}
}

func TestParseFDB(t *testing.T) {
	var got []string
	for _, e := range labs.ParseFDB(readTestdata(t, "bridge_fdb_show.txt")) {
		got = append(got, fmt.Sprintf("%s %s %s", e.MAC, e.Dev, e.Dst))
	}
	// The flood entry, a local entry without dst and malformed lines are skipped.
	want := []string{"02:00:00:00:00:0a  10.0.0.1", "02:00:00:00:00:0b vx10 10.0.0.2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseFDB = %q, want %q", got, want)
	}
}

func TestParseLinkNames(t *testing.T) {
	if got, want := labs.ParseLinkNames(readTestdata(t, "ip_link_master.txt")), []string{"hv1", "hv2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ParseLinkNames = %v, want %v", got, want)
	}
}

func TestParseNeigh(t *testing.T) {
	out := "192.168.10.2 dev eth0 lladdr 02:00:00:00:00:0b REACHABLE\n192.168.10.3 dev eth0 FAILED\nnonsense line\n\n"
	ns := labs.ParseNeigh(out)
	if len(ns) != 2 {
		t.Fatalf("ParseNeigh = %+v, want 2 entries", ns)
	}
	if ns[0].IP.String() != "192.168.10.2" || ns[0].Dev != "eth0" || ns[0].MAC.String() != "02:00:00:00:00:0b" || ns[0].State != "REACHABLE" {
		t.Errorf("entry 0 = %+v", ns[0])
	}
	if ns[1].MAC != nil || ns[1].State != "FAILED" {
		t.Errorf("entry 1 = %+v", ns[1])
	}
}

func TestParsePing(t *testing.T) {
	out := "PING 192.168.10.2 (192.168.10.2) 56(84) bytes of data.\n64 bytes from 192.168.10.2: icmp_seq=1 ttl=64 time=0.5 ms\n\n--- 192.168.10.2 ping statistics ---\n3 packets transmitted, 2 received, 33.3333% packet loss, time 401ms\n"
	s, ok := labs.ParsePing(out)
	if !ok || s.Transmitted != 3 || s.Received != 2 || s.Line != "3 packets transmitted, 2 received, 33.3333% packet loss, time 401ms" {
		t.Errorf("ParsePing = %+v, %v", s, ok)
	}
	if _, ok := labs.ParsePing("ping: connect: Network is unreachable\n"); ok {
		t.Error("ParsePing found a summary in an error")
	}
}

func TestWireLine(t *testing.T) {
	in := readTestdata(t, "tcpdump_vxlan.txt")
	p, ok := labs.ParseVXLANLine(in[:len(in)-1])
	if !ok || p.VNI != 10 || p.DstPort != 4789 || p.OuterDst != "239.1.1.1" {
		t.Fatalf("ParseVXLANLine = %+v, %v", p, ok)
	}
	tests := []struct{ in, want string }{
		{in[:len(in)-1], "VXLAN 10.0.0.1 -> 239.1.1.1 VNI 10 | 02:00:00:00:00:0a -> ff:ff:ff:ff:ff:ff Request who-has 192.168.10.2 tell 192.168.10.1"},
		{"something else", "something else"},
	}
	for _, tt := range tests {
		if got := labs.WireLine(tt.in); got != tt.want {
			t.Errorf("WireLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
