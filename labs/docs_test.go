package labs_test

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/vtep/vtep/labs"
)

// labFileKeys lists every key path of the lab file format, with list
// elements written "[]", e.g. "vms[].mac". Hypervisors' own networks have
// the keys of vtep.networks and are documented as one key.
func labFileKeys(t reflect.Type, prefix string, out *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if key == "" {
			key = strings.ToLower(f.Name)
		}
		path := prefix + key
		*out = append(*out, path)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
			path += "[]"
		}
		if ft.Kind() == reflect.Struct && path != "hypervisors[].networks[]" {
			labFileKeys(ft, path+".", out)
		}
	}
}

// TestLabDocsListEveryKey checks docs/labs.md against the lab file type:
// every key is documented, and the example there is a valid lab file.
func TestLabDocsListEveryKey(t *testing.T) {
	doc, err := os.ReadFile("../docs/labs.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("`([a-z_]+(?:\\[[a-z]\\])?(?:\\.[a-z_]+(?:\\[[a-z]\\])?)*)`").FindAllStringSubmatch(string(doc), -1) {
		documented[regexp.MustCompile(`\[[a-z]\]`).ReplaceAllString(m[1], "[]")] = true
	}
	var keys []string
	labFileKeys(reflect.TypeOf(labs.File{}), "", &keys)
	if len(keys) < 25 {
		t.Fatalf("found only %d keys: %v", len(keys), keys)
	}
	for _, k := range keys {
		if !documented[k] {
			t.Errorf("docs/labs.md does not document the key %s", k)
		}
	}
	ex := regexp.MustCompile("(?s)### Example\n\n```yaml\n(.*?)```").FindSubmatch(doc)
	if ex == nil {
		t.Fatal("docs/labs.md has no example")
	}
	if _, err := labs.ParseFile(ex[1]); err != nil {
		t.Errorf("the example in docs/labs.md: %v", err)
	}
}
