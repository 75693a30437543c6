package ovsdb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// Row is a database row: column name to value. Rows sent to the server hold
// atoms, Set and Map values; rows read back hold what DecodeValue returns.
type Row map[string]any

// MarshalJSON implements json.Marshaler, refusing values without an OVSDB
// encoding and naming the column.
func (r Row) MarshalJSON() ([]byte, error) {
	cols := make([]string, 0, len(r))
	for c := range r {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, c := range cols {
		v, err := encodeValue(r[c])
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", c, err)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(c)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON implements json.Unmarshaler, decoding each column with
// DecodeValue.
func (r *Row) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(Row, len(raw))
	for c, v := range raw {
		d, err := DecodeValue(v)
		if err != nil {
			return fmt.Errorf("column %q: %w", c, err)
		}
		out[c] = d
	}
	*r = out
	return nil
}

// rowReader reads typed columns from a decoded Row, remembering the first
// error so a whole row can be read before checking.
type rowReader struct {
	table string
	row   Row
	err   error
}

func (rr *rowReader) fail(col string, v any, want string) {
	if rr.err == nil {
		rr.err = &FieldError{Field: rr.table + "." + col, Value: fmt.Sprintf("%v", v), Reason: "is not " + want}
	}
}

// set returns the column as a Set, whether it came as a set or a bare atom.
func (rr *rowReader) set(col string) Set {
	v, ok := rr.row[col]
	if !ok || v == nil {
		return nil
	}
	if s, ok := v.(Set); ok {
		return s
	}
	if _, ok := v.(Map); ok {
		rr.fail(col, v, "a set or atom")
		return nil
	}
	return Set{v}
}

func (rr *rowReader) str(col string) string {
	s := rr.set(col)
	if len(s) == 0 {
		return ""
	}
	v, ok := s[0].(string)
	if !ok || len(s) > 1 {
		rr.fail(col, s, "a string")
	}
	return v
}

func (rr *rowReader) boolean(col string) bool {
	s := rr.set(col)
	if len(s) == 0 {
		return false
	}
	v, ok := s[0].(bool)
	if !ok || len(s) > 1 {
		rr.fail(col, s, "a boolean")
	}
	return v
}

func (rr *rowReader) uuid(col string) UUID {
	s := rr.set(col)
	if len(s) == 0 {
		return ""
	}
	v, ok := s[0].(UUID)
	if !ok || len(s) > 1 {
		rr.fail(col, s, "a uuid")
	}
	return v
}

// optInt reads an optional integer column (a set of 0 or 1 integers).
func (rr *rowReader) optInt(col string) *int {
	s := rr.set(col)
	if len(s) == 0 {
		return nil
	}
	v, ok := s[0].(int64)
	if !ok || len(s) > 1 {
		rr.fail(col, s, "an optional integer")
		return nil
	}
	n := int(v)
	return &n
}

func (rr *rowReader) ints(col string) []int {
	var out []int
	for _, a := range rr.set(col) {
		v, ok := a.(int64)
		if !ok {
			rr.fail(col, a, "an integer")
			continue
		}
		out = append(out, int(v))
	}
	sort.Ints(out)
	return out
}

func (rr *rowReader) strs(col string) []string {
	var out []string
	for _, a := range rr.set(col) {
		v, ok := a.(string)
		if !ok {
			rr.fail(col, a, "a string")
			continue
		}
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func (rr *rowReader) uuids(col string) []UUID {
	var out []UUID
	for _, a := range rr.set(col) {
		v, ok := a.(UUID)
		if !ok {
			rr.fail(col, a, "a uuid")
			continue
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (rr *rowReader) mp(col string) Map {
	v, ok := rr.row[col]
	if !ok || v == nil {
		return nil
	}
	m, ok := v.(Map)
	if !ok {
		rr.fail(col, v, "a map")
	}
	return m
}

func (rr *rowReader) strMap(col string) map[string]string {
	m := rr.mp(col)
	out := make(map[string]string, len(m))
	for k, v := range m {
		ks, ok1 := k.(string)
		vs, ok2 := v.(string)
		if !ok1 || !ok2 {
			rr.fail(col, m, "a string to string map")
			continue
		}
		out[ks] = vs
	}
	return out
}

func (rr *rowReader) intUUIDMap(col string) map[int]UUID {
	m := rr.mp(col)
	out := make(map[int]UUID, len(m))
	for k, v := range m {
		ki, ok1 := k.(int64)
		vu, ok2 := v.(UUID)
		if !ok1 || !ok2 {
			rr.fail(col, m, "an integer to uuid map")
			continue
		}
		out[int(ki)] = vu
	}
	return out
}
