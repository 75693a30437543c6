package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/vtep/vtep/labs"
)

// labStateFile is the name of the file `lab up` leaves in the lab's run dir
// (labs.RunDir(prefix)) so that later vtepctl processes find the lab.
const labStateFile = "vtepctl-lab.json"

// labState is what `lab up` records about a lab it brought up.
type labState struct {
	Prefix  string    `json:"prefix"`
	Source  string    `json:"source"`  // the lab file's absolute path
	Vtepd   string    `json:"vtepd"`   // the vtepd binary the lab runs
	Started time.Time `json:"started"` // when `lab up` finished
	File    string    `json:"file"`    // the lab file as brought up (YAML, prefix applied)
}

func statePath(prefix string) string { return filepath.Join(labs.RunDir(prefix), labStateFile) }

// saveLabState writes the state into the lab's run dir.
func saveLabState(f *labs.File, source, vtepd string) error {
	text, err := yaml.Marshal(f)
	if err != nil {
		return fmt.Errorf("lab %q: encode lab file: %w", f.Prefix, err)
	}
	abs, err := filepath.Abs(source)
	if err != nil {
		abs = source
	}
	st := labState{Prefix: f.Prefix, Source: abs, Vtepd: vtepd, Started: time.Now().UTC(), File: string(text)}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("lab %q: encode state: %w", f.Prefix, err)
	}
	if err := os.WriteFile(statePath(f.Prefix), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("lab %q: save state: %w", f.Prefix, err)
	}
	return nil
}

// loadLabState reads a lab's state by prefix.
func loadLabState(prefix string) (*labState, error) {
	b, err := os.ReadFile(statePath(prefix))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no lab with prefix %q is up (%s does not exist)", prefix, statePath(prefix))
	}
	if err != nil {
		return nil, fmt.Errorf("lab %q: %w", prefix, err)
	}
	var st labState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("lab %q: %s: %w", prefix, statePath(prefix), err)
	}
	if st.Prefix != prefix {
		return nil, fmt.Errorf("lab %q: %s names prefix %q", prefix, statePath(prefix), st.Prefix)
	}
	return &st, nil
}

// labFile returns the lab file the state recorded.
func (s *labState) labFile() (*labs.File, error) {
	f, err := labs.ParseFile([]byte(s.File))
	if err != nil {
		return nil, fmt.Errorf("lab %q: recorded lab file: %w", s.Prefix, err)
	}
	return f, nil
}

// attach returns the running lab the state describes.
func (s *labState) attach() (*labs.Running, error) {
	f, err := s.labFile()
	if err != nil {
		return nil, err
	}
	return labs.Attach(f, filepath.Base(s.Vtepd))
}

// upLabs returns the prefixes of every lab brought up by `vtepctl lab up`
// whose state is still there, sorted.
func upLabs() []string {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "vtep-*", labStateFile))
	var out []string
	for _, m := range matches {
		p := strings.TrimPrefix(filepath.Base(filepath.Dir(m)), "vtep-")
		if labs.RunDir(p) == filepath.Dir(m) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// findLab chooses the lab a command acts on: the one with prefix, else the
// one brought up from file (its prefix), else the only one up.
// findLabFile finds the lab that is up (see findLab) and reads its file.
func findLabFile(prefix string) (*labs.File, error) {
	st, err := findLab(prefix, "")
	if err != nil {
		return nil, err
	}
	return st.labFile()
}

func findLab(prefix, file string) (*labState, error) {
	if prefix == "" && file != "" {
		f, err := labs.LoadFile(file)
		if err != nil {
			return nil, err
		}
		prefix = f.Prefix
	}
	if prefix != "" {
		return loadLabState(prefix)
	}
	up := upLabs()
	switch len(up) {
	case 0:
		return nil, errors.New("no lab is up (start one with: vtepctl lab up FILE)")
	case 1:
		return loadLabState(up[0])
	}
	return nil, fmt.Errorf("%d labs are up (%s): choose one with --prefix", len(up), strings.Join(up, ", "))
}
