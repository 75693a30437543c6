package ovsdb

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestValueEncoding(t *testing.T) {
	// Forms from RFC 7047 section 5.1.
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"string", "br-int", `"br-int"`},
		{"integer", 4789, `4789`},
		{"real", 1.5, `1.5`},
		{"boolean", true, `true`},
		{"uuid", UUID("550e8400-e29b-41d4-a716-446655440000"), `["uuid","550e8400-e29b-41d4-a716-446655440000"]`},
		{"named-uuid", NamedUUID("port1"), `["named-uuid","port1"]`},
		{"empty set", Set{}, `["set",[]]`},
		{"set", Set{"OpenFlow13", "OpenFlow10"}, `["set",["OpenFlow13","OpenFlow10"]]`},
		{"set of refs", Set{NamedUUID("p"), UUID("u")}, `["set",[["named-uuid","p"],["uuid","u"]]]`},
		{"empty map", Map{}, `["map",[]]`},
		{"map sorted by key", StringMap(map[string]string{"remote_ip": "flow", "key": "flow"}), `["map",[["key","flow"],["remote_ip","flow"]]]`},
		{"integer to uuid map", Map{10: UUID("a"), 0: NamedUUID("t")}, `["map",[[0,["named-uuid","t"]],[10,["uuid","a"]]]]`},
		{"raw passthrough", json.RawMessage(`["uuid","x"]`), `["uuid","x"]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := encodeValue(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestValueEncodingRefusesBadValues(t *testing.T) {
	tests := []struct {
		name string
		v    any
	}{
		{"go slice", []string{"a"}},
		{"go map", map[string]string{"a": "b"}},
		{"nested set", Set{Set{1}}},
		{"NaN", math.NaN()},
		{"bad named uuid", NamedUUID("1-x")},
		{"huge unsigned", uint64(math.MaxUint64)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := encodeValue(tc.v); err == nil {
				t.Errorf("encodeValue(%#v) succeeded, want an error", tc.v)
			}
		})
	}
	_, err := json.Marshal(Row{"trunks": []int{1}})
	var fe *FieldError
	if !errors.As(err, &fe) || err == nil || !strings.Contains(err.Error(), `column "trunks"`) {
		t.Errorf("Row with a Go slice: err = %v, want a FieldError naming the column", err)
	}
}

func TestDecodeValue(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`"x"`, "x"},
		{`42`, int64(42)},
		{`-1`, int64(-1)},
		{`2.5`, 2.5},
		{`false`, false},
		{`["uuid","u1"]`, UUID("u1")},
		{`["set",[]]`, Set{}},
		{`["set",[1,2]]`, Set{int64(1), int64(2)}},
		{`["set",[["uuid","a"]]]`, Set{UUID("a")}},
		{`["map",[["k","v"]]]`, Map{"k": "v"}},
		{`["map",[[0,["uuid","a"]]]]`, Map{int64(0): UUID("a")}},
	}
	for _, tc := range tests {
		got, err := DecodeValue(json.RawMessage(tc.in))
		if err != nil {
			t.Errorf("DecodeValue(%s): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DecodeValue(%s) = %#v, want %#v", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{``, `[1,2,3]`, `["bag",[]]`, `["set",{}]`, `["map",[["k"]]]`, `{"a":1}`} {
		if got, err := DecodeValue(json.RawMessage(bad)); err == nil {
			t.Errorf("DecodeValue(%s) = %#v, want an error", bad, got)
		}
	}
}

func TestValueRoundTrip(t *testing.T) {
	for _, v := range []any{Set{"a", "b"}, Map{"k": "v"}, UUID("u"), int64(7), Map{int64(3): UUID("x")}} {
		b, err := encodeValue(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeValue(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("round trip of %#v = %#v", v, got)
		}
	}
}

func TestSame(t *testing.T) {
	tests := []struct {
		cur, want any
		same      bool
	}{
		{"secure", Set{"secure"}, true},
		{Set{}, Set{}, true},
		{nil, Set{}, true},
		{Set{}, Set{"secure"}, false},
		{Set{int64(30), int64(20)}, IntSet([]int{20, 30}), true},
		{Map{"a": "1"}, StringMap(map[string]string{"a": "1"}), true},
		{Map{"a": "1"}, Map{"a": "2"}, false},
		{int64(10), Set{10}, true},
		{Set{UUID("a")}, Set{NamedUUID("a")}, false},
	}
	for _, tc := range tests {
		if got := same(tc.cur, tc.want); got != tc.same {
			t.Errorf("same(%#v, %#v) = %v, want %v", tc.cur, tc.want, got, tc.same)
		}
	}
}
