package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestEveryKeyDocumented walks the Config type and checks that docs/config.md
// mentions every key path (networks[i].vni for list elements).
func TestEveryKeyDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	keys := configKeys()
	if len(keys) < 20 {
		t.Fatalf("found only %d keys: %v", len(keys), keys)
	}
	for _, k := range keys {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/config.md does not document `%s`", k)
		}
	}
}

// TestDocExamplesParse parses every yaml block of docs/config.md.
func TestDocExamplesParse(t *testing.T) {
	doc, err := os.ReadFile("../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(doc), "```yaml\n")[1:]
	if len(blocks) < 2 {
		t.Fatalf("found %d yaml examples, want at least 2", len(blocks))
	}
	for i, b := range blocks {
		text, _, _ := strings.Cut(b, "```")
		if _, err := Parse([]byte(text)); err != nil {
			t.Errorf("example %d does not parse: %v\n%s", i, err, text)
		}
	}
}

// configKeys walks the Config type and returns every key path
// (networks[i].vni for list elements, and the list itself).
func configKeys() []string {
	var keys []string
	var walk func(reflect.Type, string)
	walk = func(rt reflect.Type, prefix string) {
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			path := name
			if prefix != "" {
				path = prefix + "." + name
			}
			ft := f.Type
			switch {
			case ft.Kind() == reflect.Struct && ft.PkgPath() == rt.PkgPath():
				walk(ft, path)
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct && ft.Elem().PkgPath() == rt.PkgPath() &&
				!reflect.PointerTo(ft.Elem()).Implements(textUnmarshalerType): // a list of values, not of mappings
				keys = append(keys, path)
				walk(ft.Elem(), path+"[i]")
			default:
				keys = append(keys, path)
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	return keys
}
