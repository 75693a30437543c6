package labs

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The registry of labs that are up: `vtepctl lab up` records each lab it
// brought up in the lab's run dir, so that later processes find it.

// StateFile is the name of the file in a lab's run dir (RunDir(prefix))
// that records the lab.
const StateFile = "vtepctl-lab.json"

// State is what is recorded about a lab that was brought up.
type State struct {
	Prefix  string    `json:"prefix"`
	Source  string    `json:"source"`  // the lab file's absolute path
	Vtepd   string    `json:"vtepd"`   // the vtepd binary the lab runs
	Started time.Time `json:"started"` // when the lab came up
	File    string    `json:"file"`    // the lab file as brought up (YAML, prefix applied)
}

// StatePath returns the path of a lab's state file.
func StatePath(prefix string) string { return filepath.Join(RunDir(prefix), StateFile) }

// SaveState records a lab brought up from the file at source with the
// vtepd binary vtepd, in the lab's run dir.
func SaveState(f *File, source, vtepd string) error {
	text, err := yaml.Marshal(f)
	if err != nil {
		return fmt.Errorf("lab %q: encode lab file: %w", f.Prefix, err)
	}
	abs, err := filepath.Abs(source)
	if err != nil {
		abs = source
	}
	st := State{Prefix: f.Prefix, Source: abs, Vtepd: vtepd, Started: time.Now().UTC(), File: string(text)}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("lab %q: encode state: %w", f.Prefix, err)
	}
	if err := os.WriteFile(StatePath(f.Prefix), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("lab %q: save state: %w", f.Prefix, err)
	}
	return nil
}

// LoadState reads the state of the lab with this prefix.
func LoadState(prefix string) (*State, error) {
	b, err := os.ReadFile(StatePath(prefix))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no lab with prefix %q is up (%s does not exist)", prefix, StatePath(prefix))
	}
	if err != nil {
		return nil, fmt.Errorf("lab %q: %w", prefix, err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("lab %q: %s: %w", prefix, StatePath(prefix), err)
	}
	if st.Prefix != prefix {
		return nil, fmt.Errorf("lab %q: %s names prefix %q", prefix, StatePath(prefix), st.Prefix)
	}
	return &st, nil
}

// LabFile returns the lab file the state recorded.
func (s *State) LabFile() (*File, error) {
	f, err := ParseFile([]byte(s.File))
	if err != nil {
		return nil, fmt.Errorf("lab %q: recorded lab file: %w", s.Prefix, err)
	}
	return f, nil
}

// Attach returns the running lab the state describes.
func (s *State) Attach() (*Running, error) {
	f, err := s.LabFile()
	if err != nil {
		return nil, err
	}
	return Attach(f, filepath.Base(s.Vtepd))
}

// UpLabs returns the prefixes of every recorded lab whose state is still
// there, sorted.
func UpLabs() []string {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "vtep-*", StateFile))
	var out []string
	for _, m := range matches {
		p := strings.TrimPrefix(filepath.Base(filepath.Dir(m)), "vtep-")
		if RunDir(p) == filepath.Dir(m) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// FindLab chooses the lab a command acts on: the one with prefix, else the
// one brought up from file (by its prefix), else the only one up.
func FindLab(prefix, file string) (*State, error) {
	if prefix == "" && file != "" {
		f, err := LoadFile(file)
		if err != nil {
			return nil, err
		}
		prefix = f.Prefix
	}
	if prefix != "" {
		return LoadState(prefix)
	}
	up := UpLabs()
	switch len(up) {
	case 0:
		return nil, errors.New("no lab is up (start one with: vtepctl lab up FILE)")
	case 1:
		return LoadState(up[0])
	}
	return nil, fmt.Errorf("%d labs are up (%s): choose one with --prefix", len(up), strings.Join(up, ", "))
}

// FindLabFile finds the lab that is up (see FindLab) and reads its file.
func FindLabFile(prefix string) (*File, error) {
	st, err := FindLab(prefix, "")
	if err != nil {
		return nil, err
	}
	return st.LabFile()
}

// Nodes returns every node of a lab by name, with its kind: "hypervisor",
// "vm", "physical vtep", "host" (behind an FRR VTEP), "router" or
// "underlay switch" (UnderlayNode).
func (f *File) Nodes() map[string]string {
	nodes := map[string]string{UnderlayNode: "underlay switch"}
	for _, h := range f.Hypervisors {
		nodes[h.Name] = "hypervisor"
	}
	for _, v := range f.VMs {
		nodes[v.Name] = "vm"
	}
	for _, p := range f.PhysicalVTEPs {
		nodes[p.Name] = "physical vtep"
		for _, n := range p.Networks {
			if n.Host != "" {
				nodes[n.Host] = "host"
			}
		}
	}
	for _, r := range f.Routers {
		nodes[r.Name] = "router"
	}
	for _, s := range f.Switches {
		nodes[s.Name] = "switch"
	}
	return nodes
}

// HypervisorOVS returns the OVS instance of a hypervisor of the lab, false
// when hv is not one.
func (f *File) HypervisorOVS(hv string) (*OVS, bool) {
	for _, h := range f.Hypervisors {
		if h.Name == hv {
			ns := f.Topology().Netns(hv)
			return &OVS{Name: ns, Netns: ns, Dir: filepath.Join(RunDir(f.Prefix), hv)}, true
		}
	}
	return nil, false
}

// VNIOf returns the VNI a VLAN maps to on a hypervisor (0: none).
func (f *File) VNIOf(hv string, vlan int) int {
	for _, h := range f.Hypervisors {
		if h.Name != hv {
			continue
		}
		for _, n := range f.networks(h) {
			if n.VLAN == vlan {
				return n.VNI
			}
		}
	}
	return 0
}

// Carries reports whether a hypervisor has a network with this VNI.
func (f *File) Carries(h FileHypervisor, vni int) bool {
	for _, n := range f.networks(h) {
		if n.VNI == vni {
			return true
		}
	}
	return false
}

// APISocket returns the address of a lab hypervisor's vtepd API.
func APISocket(prefix, hv string) string {
	return "unix:" + filepath.Join(RunDir(prefix), hv, "vtepd-api.sock")
}

// FindVtepd returns the vtepd binary a lab runs: the one given, else the
// vtepd next to the running executable (bin/vtepd next to bin/vtepctl),
// else vtepd on PATH.
func FindVtepd(given string) (string, error) {
	if given != "" {
		p, err := filepath.Abs(given)
		if err != nil {
			return "", fmt.Errorf("--vtepd %q: %w", given, err)
		}
		if err := isExecutable(p); err != nil {
			return "", fmt.Errorf("--vtepd %q: %w", given, err)
		}
		return p, nil
	}
	if self, err := os.Executable(); err == nil {
		if resolved, err := filepath.EvalSymlinks(self); err == nil {
			self = resolved
		}
		next := filepath.Join(filepath.Dir(self), "vtepd")
		if isExecutable(next) == nil {
			return next, nil
		}
	}
	p, err := exec.LookPath("vtepd")
	if err != nil {
		return "", errors.New("no vtepd binary: none next to vtepctl, none on PATH; build it (make build) or give --vtepd PATH")
	}
	return filepath.Abs(p)
}

func isExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}
