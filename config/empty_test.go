package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vtep/vtep/config"
)

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", "\n", "# only comments\n", "---\n", "null\n", "~\n"} {
		_, err := config.Parse([]byte(in))
		if !errors.Is(err, config.ErrEmpty) {
			t.Errorf("Parse(%q) = %v, want ErrEmpty", in, err)
			continue
		}
		if msg := err.Error(); strings.HasPrefix(msg, ":") || strings.Contains(msg, ": invalid") {
			t.Errorf("Parse(%q) error %q names an empty key", in, msg)
		}
	}
	// A mapping without keys names what is missing.
	_, err := config.Parse([]byte("{}\n"))
	if err == nil || !strings.Contains(err.Error(), "underlay.uplink: required") {
		t.Errorf("Parse({}) = %v, want underlay.uplink: required", err)
	}
}

func TestLoadEmptyNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vtepd.yaml")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := config.Load(path)
	if !errors.Is(err, config.ErrEmpty) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "empty") {
		t.Errorf("Load(empty file) = %v, want ErrEmpty naming %s", err, path)
	}
}
