package ovsdb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// UUID is a reference to a row, encoded as ["uuid", "<uuid>"] (RFC 7047
// section 5.1).
type UUID string

// MarshalJSON implements json.Marshaler.
func (u UUID) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]string{"uuid", string(u)})
}

// NamedUUID refers to a row inserted earlier in the same transaction under
// Insert.UUIDName, encoded as ["named-uuid", "<name>"].
type NamedUUID string

// MarshalJSON implements json.Marshaler.
func (n NamedUUID) MarshalJSON() ([]byte, error) {
	if !validUUIDName(string(n)) {
		return nil, &FieldError{Field: "named-uuid", Value: string(n), Reason: "must match [_a-zA-Z][_a-zA-Z0-9]*"}
	}
	return json.Marshal([2]string{"named-uuid", string(n)})
}

// Set is an OVSDB set of atoms, encoded as ["set", [atom, ...]]. Atoms are
// string, bool, integers, float64, UUID and NamedUUID.
type Set []any

// MarshalJSON implements json.Marshaler.
func (s Set) MarshalJSON() ([]byte, error) {
	elems := make([]json.RawMessage, 0, len(s))
	for i, a := range s {
		b, err := encodeAtom(a)
		if err != nil {
			return nil, fmt.Errorf("set element %d: %w", i, err)
		}
		elems = append(elems, b)
	}
	return json.Marshal([]any{"set", elems})
}

// Map is an OVSDB map of atoms to atoms, encoded as
// ["map", [[key, value], ...]]. Pairs are encoded in key order so the same
// map always yields the same bytes.
type Map map[any]any

// MarshalJSON implements json.Marshaler.
func (m Map) MarshalJSON() ([]byte, error) {
	pairs := make([][2]json.RawMessage, 0, len(m))
	for k, v := range m {
		kb, err := encodeAtom(k)
		if err != nil {
			return nil, fmt.Errorf("map key %v: %w", k, err)
		}
		vb, err := encodeAtom(v)
		if err != nil {
			return nil, fmt.Errorf("map value for key %v: %w", k, err)
		}
		pairs = append(pairs, [2]json.RawMessage{kb, vb})
	}
	sort.Slice(pairs, func(i, j int) bool { return bytes.Compare(pairs[i][0], pairs[j][0]) < 0 })
	return json.Marshal([]any{"map", pairs})
}

// StringMap converts a Go string map into a Map.
func StringMap(m map[string]string) Map {
	out := make(Map, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// StringSet converts strings into a Set.
func StringSet(s []string) Set {
	out := make(Set, 0, len(s))
	for _, v := range s {
		out = append(out, v)
	}
	return out
}

// IntSet converts integers into a Set.
func IntSet(s []int) Set {
	out := make(Set, 0, len(s))
	for _, v := range s {
		out = append(out, v)
	}
	return out
}

// encodeAtom encodes one atom, refusing Go values that have no OVSDB form.
func encodeAtom(a any) ([]byte, error) {
	switch v := a.(type) {
	case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32:
		return json.Marshal(v)
	case uint64:
		if v > math.MaxInt64 {
			return nil, &FieldError{Field: "integer", Value: fmt.Sprint(v), Reason: "exceeds the 64-bit signed range of OVSDB integers"}
		}
		return json.Marshal(v)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, &FieldError{Field: "real", Value: fmt.Sprint(v), Reason: "is not a finite number"}
		}
		return json.Marshal(v)
	case UUID, NamedUUID:
		return json.Marshal(v)
	default:
		return nil, &FieldError{Field: "atom", Value: fmt.Sprintf("%v (%T)", a, a), Reason: "has no OVSDB atom encoding"}
	}
}

// encodeValue encodes a column value: an atom, a Set or a Map, or raw JSON
// taken from a reply (used to repeat what was read in wait operations).
func encodeValue(v any) ([]byte, error) {
	switch x := v.(type) {
	case Set, Map:
		return json.Marshal(x)
	case json.RawMessage:
		return x, nil
	default:
		return encodeAtom(v)
	}
}

// DecodeValue decodes a column value from its RFC 7047 form into string,
// bool, int64 (integers), float64 (reals), UUID, Set or Map. A one-element
// set may be sent as the bare atom and decodes as that atom; use the Row
// accessors to read columns without caring about that.
func DecodeValue(raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf("empty value")
	}
	if raw[0] != '[' {
		return decodeAtom(raw)
	}
	var pair []json.RawMessage
	if err := json.Unmarshal(raw, &pair); err != nil {
		return nil, fmt.Errorf("value %s: %w", raw, err)
	}
	if len(pair) != 2 {
		return nil, fmt.Errorf("value %s: want a 2-element [tag, data] array", raw)
	}
	var tag string
	if err := json.Unmarshal(pair[0], &tag); err != nil {
		return nil, fmt.Errorf("value %s: tag: %w", raw, err)
	}
	switch tag {
	case "uuid", "named-uuid":
		return decodeAtom(raw)
	case "set":
		var elems []json.RawMessage
		if err := json.Unmarshal(pair[1], &elems); err != nil {
			return nil, fmt.Errorf("set %s: %w", raw, err)
		}
		s := make(Set, 0, len(elems))
		for _, e := range elems {
			a, err := decodeAtom(e)
			if err != nil {
				return nil, fmt.Errorf("set %s: %w", raw, err)
			}
			s = append(s, a)
		}
		return s, nil
	case "map":
		var pairs [][2]json.RawMessage
		if err := json.Unmarshal(pair[1], &pairs); err != nil {
			return nil, fmt.Errorf("map %s: %w", raw, err)
		}
		m := make(Map, len(pairs))
		for _, p := range pairs {
			k, err := decodeAtom(p[0])
			if err != nil {
				return nil, fmt.Errorf("map %s: key: %w", raw, err)
			}
			v, err := decodeAtom(p[1])
			if err != nil {
				return nil, fmt.Errorf("map %s: value: %w", raw, err)
			}
			m[k] = v
		}
		return m, nil
	default:
		return nil, fmt.Errorf("value %s: unknown tag %q", raw, tag)
	}
}

// decodeAtom decodes a single atom.
func decodeAtom(raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf("empty atom")
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case 't', 'f':
		var b bool
		err := json.Unmarshal(raw, &b)
		return b, err
	case '[':
		var pair [2]string
		if err := json.Unmarshal(raw, &pair); err != nil {
			return nil, fmt.Errorf("atom %s: %w", raw, err)
		}
		switch pair[0] {
		case "uuid":
			return UUID(pair[1]), nil
		case "named-uuid":
			return NamedUUID(pair[1]), nil
		}
		return nil, fmt.Errorf("atom %s: unknown tag %q", raw, pair[0])
	default:
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, fmt.Errorf("atom %s: %w", raw, err)
		}
		if i, err := n.Int64(); err == nil {
			return i, nil
		}
		f, err := n.Float64()
		if err != nil {
			return nil, fmt.Errorf("atom %s: %w", raw, err)
		}
		return f, nil
	}
}

// validUUIDName reports whether s may be used as a named UUID (RFC 7047
// <id>: [_a-zA-Z][_a-zA-Z0-9]*).
func validUUIDName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
