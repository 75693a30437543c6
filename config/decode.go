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
	d := decoder{node: node, path: path, errs: errs}
	t := v.Type()
	switch {
	case t == durationType:
		d.duration(v)
		return
	case reflect.PointerTo(t).Implements(textUnmarshalerType) && !(t.Kind() == reflect.Slice && node.Kind == yaml.SequenceNode):
		// (a list type may also take one word, e.g. evpn.networks: all)
		d.text(v)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		d.mapping(v)
	case reflect.Slice:
		d.list(v, field)
	case reflect.String:
		if d.scalar("want a string") {
			v.SetString(node.Value)
		}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		d.uint(v, field)
	default:
		panic(fmt.Sprintf("config: no decoder for %s at %s", t, path))
	}
}

// decoder decodes one node at one key path.
type decoder struct {
	node *yaml.Node
	path string
	errs *errorList
}

func (d decoder) fail(value string, err error) {
	*d.errs = append(*d.errs, &FieldError{Path: d.path, Value: value, Line: d.node.Line, Err: err})
}

// scalar reports whether the node is a scalar, failing with want if not.
func (d decoder) scalar(want string) bool {
	if d.node.Kind != yaml.ScalarNode {
		d.fail("", fmt.Errorf("%w: %s", ErrInvalid, want))
		return false
	}
	return true
}

func (d decoder) duration(v reflect.Value) {
	if !d.scalar("want a duration like 300s") {
		return
	}
	dur, err := parseDuration(d.node.Value)
	if err != nil {
		d.fail(d.node.Value, fmt.Errorf("%w: not a duration (want e.g. 300s or 5m)", ErrInvalid))
		return
	}
	v.SetInt(int64(dur))
}

func (d decoder) text(v reflect.Value) {
	if !d.scalar("want " + describe(v.Type())) {
		return
	}
	if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(d.node.Value)); err != nil {
		d.fail(d.node.Value, fmt.Errorf("%w: not %s", ErrInvalid, describe(v.Type())))
	}
}

func (d decoder) mapping(v reflect.Value) {
	if d.node.Kind != yaml.MappingNode {
		d.fail("", fmt.Errorf("%w: want a mapping of keys", ErrInvalid))
		return
	}
	seen := make(map[string]bool)
	for i := 0; i+1 < len(d.node.Content); i += 2 {
		k, val := d.node.Content[i], d.node.Content[i+1]
		kp := join(d.path, k.Value)
		if seen[k.Value] {
			*d.errs = append(*d.errs, &FieldError{Path: kp, Line: k.Line, Err: fmt.Errorf("%w key", ErrDuplicate)})
			continue
		}
		seen[k.Value] = true
		sf, ok := fieldByTag(v.Type(), k.Value)
		if !ok {
			*d.errs = append(*d.errs, &FieldError{Path: kp, Line: k.Line, Err: ErrUnknownKey})
			continue
		}
		decode(val, v.FieldByIndex(sf.Index), kp, sf, d.errs)
	}
}

func (d decoder) list(v reflect.Value, field reflect.StructField) {
	if d.node.Kind != yaml.SequenceNode {
		d.fail("", fmt.Errorf("%w: want a list", ErrInvalid))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(d.node.Content), len(d.node.Content))
	for i, el := range d.node.Content {
		decode(el, s.Index(i), fmt.Sprintf("%s[%d]", d.path, i), field, d.errs)
	}
	v.Set(s)
}

func (d decoder) uint(v reflect.Value, field reflect.StructField) {
	if !d.scalar("want a number") {
		return
	}
	lo, hi := uint64(0), uint64(1)<<v.Type().Bits()-1
	if r := field.Tag.Get("range"); r != "" {
		lo, hi = parseRange(r)
	}
	n, err := strconv.ParseUint(d.node.Value, 0, 64)
	if err != nil {
		if _, ierr := strconv.ParseInt(d.node.Value, 0, 64); ierr == nil {
			d.fail(d.node.Value, fmt.Errorf("%w %d..%d", ErrOutOfRange, lo, hi))
			return
		}
		d.fail(d.node.Value, fmt.Errorf("%w: not a number", ErrInvalid))
		return
	}
	if n < lo || n > hi {
		d.fail(d.node.Value, fmt.Errorf("%w %d..%d", ErrOutOfRange, lo, hi))
		return
	}
	v.SetUint(n)
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
	case reflect.TypeOf(VTEPPrefix{}):
		return "an IPv4 address or prefix (e.g. 10.0.0.2 or 10.0.8.0/24)"
	case reflect.TypeOf(VNIList{}):
		return "all or a list of VNIs"
	}
	return "a " + t.String()
}
