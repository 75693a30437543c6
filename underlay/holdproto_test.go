package underlay

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestHoldRequestRoundTrip(t *testing.T) {
	for _, req := range []HoldRequest{
		{Op: HoldHello},
		{Op: HoldLeave},
		{Op: HoldSet, Local: "10.0.0.1", LeaseSeconds: 3600, Groups: []string{"239.1.1.1", "239.2.2.2"}},
		{Op: HoldSet, Local: "10.0.0.1", LeaseSeconds: 60}, // no groups: leave them all
	} {
		b, err := EncodeHoldRequest(req)
		if err != nil {
			t.Fatalf("encode %+v: %v", req, err)
		}
		if !bytes.HasSuffix(b, []byte("\n")) || bytes.Count(b, []byte("\n")) != 1 {
			t.Fatalf("encode %+v: %q is not one line", req, b)
		}
		cmd, err := decodeHoldRequest(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("decode %q: %v", b, err)
		}
		if cmd.op != req.Op || len(cmd.groups) != len(req.Groups) {
			t.Fatalf("decode %q: got %+v", b, cmd)
		}
		for i, g := range cmd.groups {
			if g.String() != req.Groups[i] {
				t.Errorf("group %d: %s, want %s", i, g, req.Groups[i])
			}
		}
		if req.Op == HoldSet && (cmd.local.String() != req.Local || cmd.lease != time.Duration(req.LeaseSeconds)*time.Second) {
			t.Errorf("decode %q: local %s lease %v", b, cmd.local, cmd.lease)
		}
	}
}

func TestHoldRequestRejectsHostileInput(t *testing.T) {
	many := `"239.1.1.1"` + strings.Repeat(`,"239.1.1.1"`, MaxHoldGroups)
	tests := []struct{ name, in, want string }{
		{"empty", "", "no complete line"},
		{"no newline", `{"op":"hello"}`, "no complete line"},
		{"too long", `{"op":"hello","x":"` + strings.Repeat("a", MaxHoldMessage) + "\"}\n", "no complete line"},
		{"not JSON", "hello\n", "bad JSON"},
		{"array", "[]\n", "bad JSON"},
		{"unknown field", `{"op":"hello","exec":"/bin/sh"}` + "\n", "unknown field"},
		{"trailing data", `{"op":"hello"} {"op":"leave"}` + "\n", "trailing data"},
		{"unknown op", `{"op":"shell"}` + "\n", `unknown op "shell"`},
		{"no op", `{}` + "\n", `unknown op ""`},
		{"hello with groups", `{"op":"hello","groups":["239.1.1.1"]}` + "\n", "takes no"},
		{"leave with lease", `{"op":"leave","lease_seconds":60}` + "\n", "takes no"},
		{"set without local", `{"op":"set","lease_seconds":60}` + "\n", "not an IPv4 unicast"},
		{"set local multicast", `{"op":"set","local":"239.1.1.1","lease_seconds":60}` + "\n", "not an IPv4 unicast"},
		{"set local IPv6", `{"op":"set","local":"::1","lease_seconds":60}` + "\n", "not an IPv4 unicast"},
		{"set local broadcast", `{"op":"set","local":"255.255.255.255","lease_seconds":60}` + "\n", "not an IPv4 unicast"},
		{"set without lease", `{"op":"set","local":"10.0.0.1"}` + "\n", "lease of 0 s"},
		{"set short lease", `{"op":"set","local":"10.0.0.1","lease_seconds":5}` + "\n", "lease of 5 s"},
		{"set huge lease", `{"op":"set","local":"10.0.0.1","lease_seconds":9223372036854775807}` + "\n", "lease of"},
		{"set negative lease", `{"op":"set","local":"10.0.0.1","lease_seconds":-1}` + "\n", "lease of -1 s"},
		{"unicast group", `{"op":"set","local":"10.0.0.1","lease_seconds":60,"groups":["10.0.0.2"]}` + "\n", "not an IPv4 multicast"},
		{"IPv6 group", `{"op":"set","local":"10.0.0.1","lease_seconds":60,"groups":["ff02::1"]}` + "\n", "not an IPv4 multicast"},
		{"garbage group", `{"op":"set","local":"10.0.0.1","lease_seconds":60,"groups":["239.1.1"]}` + "\n", "not an IPv4 multicast"},
		{"link-local group", `{"op":"set","local":"10.0.0.1","lease_seconds":60,"groups":["224.0.0.1"]}` + "\n", "link-local"},
		{"duplicate group", `{"op":"set","local":"10.0.0.1","lease_seconds":60,"groups":["239.1.1.1","239.1.1.1"]}` + "\n", "listed twice"},
		{"too many groups", `{"op":"set","local":"10.0.0.1","lease_seconds":60,"groups":[` + many + "]}\n", "at most"},
		{"wrong type", `{"op":"set","local":"10.0.0.1","lease_seconds":"60"}` + "\n", "bad JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeHoldRequest(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("decode: error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestEncodeHoldRequestRefusesInvalid(t *testing.T) {
	if _, err := EncodeHoldRequest(HoldRequest{Op: HoldSet, Local: "10.0.0.1", LeaseSeconds: 60, Groups: []string{"8.8.8.8"}}); err == nil {
		t.Fatal("encoded a set of a unicast group")
	}
}

func TestDecodeHoldReply(t *testing.T) {
	rep, err := DecodeHoldReply(strings.NewReader(`{"pid":42,"local":"10.0.0.1","groups":["239.1.1.1"],"error":"join failed"}` + "\n"))
	if err != nil || rep.Pid != 42 || len(rep.Groups) != 1 || rep.Error != "join failed" {
		t.Fatalf("got %+v, %v", rep, err)
	}
	for _, in := range []string{"", `{"pid":1,"extra":1}` + "\n", "null null\n"} {
		if _, err := DecodeHoldReply(strings.NewReader(in)); err == nil {
			t.Errorf("decoded reply %q", in)
		}
	}
}

func TestHolderFilesIn(t *testing.T) {
	f := HolderFilesIn("/run/vtep", "br-int")
	if f.Socket != "/run/vtep/br-int.igmp.sock" || f.Pidfile != "/run/vtep/br-int.igmp.pid" || f.Log != "/run/vtep/br-int.igmp.log" {
		t.Fatalf("%+v", f)
	}
}
