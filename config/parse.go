package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"

	"go.yaml.in/yaml/v3"
)

// Parse decodes a YAML configuration, fills defaults and validates it. The
// error joins one *FieldError per problem found.
func Parse(data []byte) (*Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config: want one YAML document, found more")
	}
	if namesNoKeys(&root) {
		return nil, ErrEmpty
	}
	c := Default()
	var errs errorList
	decode(&root, reflect.ValueOf(&c).Elem(), "", reflect.StructField{}, &errs)
	if len(errs) > 0 {
		return nil, errs.join()
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// ErrEmpty is Parse's error for a configuration without any key: an
// empty file, only comments, or a document that is null.
var ErrEmpty = errors.New("the file is empty or names no keys (underlay.local_ip is required, and underlay.uplink in multicast mode, the default; see config/example.yaml and docs/config.md)")

// namesNoKeys reports whether root is no document, or one whose value is
// null.
func namesNoKeys(root *yaml.Node) bool {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n.Kind == 0 || n.Kind == yaml.DocumentNode || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// Load reads and parses the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}
