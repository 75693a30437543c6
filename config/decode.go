package config

import (
	"encoding"
	"fmt"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

var (
	durationType        = reflect.TypeOf(time.Duration(0))
	textUnmarshalerType = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

// decode walks node against v (a settable value whose type carries yaml
// tags), storing what it finds and collecting every problem under its key
// path. Keys absent from the node leave v's fields untouched (the defaults).
func decode(node *yaml.Node, v reflect.Value, path string, field reflect.StructField, errs *errorList) {
	for node.Kind == yaml.AliasNode {
		node = node.Alias
	}
	if node.Kind == yaml.DocumentNode {
		if len(node.Content) == 0 {
			return
		}
		decode(node.Content[0], v, path, field, errs)
		return
	}
	if node.Kind == yaml.ScalarNode && node.Tag == "!!null" {
		v.Set(reflect.Zero(v.Type()))
		return
	}
	fail := func(value string, err error) {
		*errs = append(*errs, &FieldError{Path: path, Value: value, Line: node.Line, Err: err})
	}
	t := v.Type()
	switch {
	case t == durationType:
		if node.Kind != yaml.ScalarNode {
			fail("", fmt.Errorf("%w: want a duration like 300s", ErrInvalid))
			return
		}
		d, err := parseDuration(node.Value)
		if err != nil {
			fail(node.Value, fmt.Errorf("%w: not a duration (want e.g. 300s or 5m)", ErrInvalid))
			return
		}
		v.SetInt(int64(d))
		return
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		if node.Kind != yaml.ScalarNode {
			fail("", fmt.Errorf("%w: want %s", ErrInvalid, describe(t)))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(node.Value)); err != nil {
			fail(node.Value, fmt.Errorf("%w: not %s", ErrInvalid, describe(t)))
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if node.Kind != yaml.MappingNode {
			fail("", fmt.Errorf("%w: want a mapping of keys", ErrInvalid))
			return
		}
		seen := make(map[string]bool)
		for i := 0; i+1 < len(node.Content); i += 2 {
			k, val := node.Content[i], node.Content[i+1]
			kp := join(path, k.Value)
			if seen[k.Value] {
				*errs = append(*errs, &FieldError{Path: kp, Line: k.Line, Err: fmt.Errorf("%w key", ErrDuplicate)})
				continue
			}
			seen[k.Value] = true
			sf, ok := fieldByTag(t, k.Value)
			if !ok {
				*errs = append(*errs, &FieldError{Path: kp, Line: k.Line, Err: ErrUnknownKey})
				continue
			}
			decode(val, v.FieldByIndex(sf.Index), kp, sf, errs)
		}
	case reflect.Slice:
		if node.Kind != yaml.SequenceNode {
			fail("", fmt.Errorf("%w: want a list", ErrInvalid))
			return
		}
		s := reflect.MakeSlice(t, len(node.Content), len(node.Content))
		for i, el := range node.Content {
			decode(el, s.Index(i), fmt.Sprintf("%s[%d]", path, i), field, errs)
		}
		v.Set(s)
	case reflect.String:
		if node.Kind != yaml.ScalarNode {
			fail("", fmt.Errorf("%w: want a string", ErrInvalid))
			return
		}
		v.SetString(node.Value)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if node.Kind != yaml.ScalarNode {
			fail("", fmt.Errorf("%w: want a number", ErrInvalid))
			return
		}
		lo, hi := uint64(0), uint64(1)<<t.Bits()-1
		if r := field.Tag.Get("range"); r != "" {
			lo, hi = parseRange(r)
		}
		n, err := strconv.ParseUint(node.Value, 0, 64)
		if err != nil {
			if _, ierr := strconv.ParseInt(node.Value, 0, 64); ierr == nil {
				fail(node.Value, fmt.Errorf("%w %d..%d", ErrOutOfRange, lo, hi))
				return
			}
			fail(node.Value, fmt.Errorf("%w: not a number", ErrInvalid))
			return
		}
		if n < lo || n > hi {
			fail(node.Value, fmt.Errorf("%w %d..%d", ErrOutOfRange, lo, hi))
			return
		}
		v.SetUint(n)
	default:
		panic(fmt.Sprintf("config: no decoder for %s at %s", t, path))
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// parseRange reads a struct tag like "1..4094".
func parseRange(r string) (lo, hi uint64) {
	a, b, _ := strings.Cut(r, "..")
	lo, _ = strconv.ParseUint(a, 10, 64)
	hi, _ = strconv.ParseUint(b, 10, 64)
	return lo, hi
}

// parseDuration accepts Go durations (300s, 5m) and a bare number of seconds.
func parseDuration(s string) (time.Duration, error) {
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(s)
}

func describe(t reflect.Type) string {
	switch t {
	case reflect.TypeOf(netip.Addr{}):
		return "an IP address"
	case reflect.TypeOf(netip.Prefix{}):
		return "an address with a prefix length (e.g. 10.0.0.1/24)"
	}
	return "a " + t.String()
}
