package labs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vtep/vtep/config"
)

// File is a lab topology file (labs/*.yaml): the topology plus what every
// hypervisor's vtepd is configured with. Keys are documented in
// docs/labs.md; unknown keys are errors.
type File struct {
	// Prefix starts the name of everything the lab creates (at most 8 characters).
	Prefix      string `yaml:"prefix"`
	Description string `yaml:"description"`
	Underlay    struct {
		// IGMPSnooping makes the underlay deliver a group's traffic only to
		// members (with a querier); off, it floods multicast everywhere.
		IGMPSnooping bool `yaml:"igmp_snooping"`
		// NoMulticast makes the underlay drop IP multicast (use flood: replication).
		NoMulticast bool `yaml:"no_multicast"`
	} `yaml:"underlay"`
	// VTEP holds the vtepd settings every hypervisor shares.
	VTEP          FileVTEP           `yaml:"vtep"`
	Hypervisors   []FileHypervisor   `yaml:"hypervisors"`
	VMs           []FileVM           `yaml:"vms"`
	PhysicalVTEPs []FilePhysicalVTEP `yaml:"physical_vteps"`
	// Routers are FRR nodes on the underlay.
	Routers []Router `yaml:"routers,omitempty"`
	// Switches are underlay switches besides ul (a routed underlay).
	Switches []Switch `yaml:"switches,omitempty"`
}

// FileVTEP is the vtepd configuration a lab gives its hypervisors.
type FileVTEP struct {
	Flood     string        `yaml:"flood"`      // multicast (default) or replication
	MACAgeing string        `yaml:"mac_ageing"` // default 300s
	Networks  []FileNetwork `yaml:"networks"`
	// TrustedVTEPs is underlay.trusted_vteps (addresses or prefixes).
	TrustedVTEPs []string `yaml:"trusted_vteps"`
	// MaxMACs is vtepd's max_macs (0: none).
	MaxMACs int `yaml:"max_macs"`
	// BUMPPS is vtepd's bum_pps, storm control (0: none).
	BUMPPS int `yaml:"bum_pps"`
}

// FileNetwork is one VNI of a hypervisor (see docs/config.md, networks).
type FileNetwork struct {
	VNI     int      `yaml:"vni"`
	VLAN    int      `yaml:"vlan"`
	Group   string   `yaml:"group"`
	Subnets []string `yaml:"subnets"`
	// ARPSuppression is vtepd's networks[i].arp_suppression (empty: off).
	ARPSuppression string `yaml:"arp_suppression"`
}

// FileHypervisor is a hypervisor: an OVS instance and a vtepd.
type FileHypervisor struct {
	Name   string `yaml:"name"`
	VTEPIP string `yaml:"vtep_ip"`
	// Networks, when set, replaces vtep.networks on this hypervisor (for
	// VLAN translation: the same VNI on another local VLAN).
	Networks []FileNetwork `yaml:"networks"`
	// EVPN becomes the evpn section of the hypervisor's vtepd configuration.
	EVPN *FileHypervisorEVPN `yaml:"evpn,omitempty"`
	// Switch is the switch its uplink is cabled to (default ul).
	Switch string `yaml:"switch,omitempty"`
	// Gateway is its default route's next hop (its rack's router).
	Gateway string `yaml:"gateway,omitempty"`
}

// FileVM is a VM on a hypervisor.
type FileVM struct {
	Name       string `yaml:"name"`
	Hypervisor string `yaml:"hypervisor"`
	MAC        string `yaml:"mac"`
	IP         string `yaml:"ip"`
	VLAN       int    `yaml:"vlan"`
	Tagged     bool   `yaml:"tagged"`
	MTU        int    `yaml:"mtu"`
}

// FilePhysicalVTEP is a machine with a Linux kernel VXLAN VTEP.
type FilePhysicalVTEP struct {
	Name     string            `yaml:"name"`
	VTEPIP   string            `yaml:"vtep_ip"`
	Networks []PhysicalNetwork `yaml:"networks"`
	// EVPN makes it an FRR VTEP (see PhysicalVTEP).
	EVPN *EVPN `yaml:"evpn,omitempty"`
}

// LoadFile reads and checks a lab file: YAML syntax and keys (errors name
// the line), the topology, and every hypervisor's vtepd configuration.
func LoadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lab file: %w", err)
	}
	f, err := ParseFile(data)
	if err != nil {
		return nil, fmt.Errorf("lab file %s: %w", path, err)
	}
	return f, nil
}

// ErrEmptyFile is ParseFile's error for a lab file without any YAML
// document (empty, blank or only comments).
var ErrEmptyFile = errors.New("the file is empty (no YAML document; see labs/figure4.yaml for an example)")

// ParseFile decodes and checks a lab file's contents.
func ParseFile(data []byte) (*File, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ErrEmptyFile
		}
		return nil, fmt.Errorf("%s", strings.ReplaceAll(err.Error(), "\n ", ""))
	}
	if err := f.Check(); err != nil {
		var root yaml.Node
		if yaml.Unmarshal(data, &root) == nil {
			return nil, withLines(err, &root)
		}
		return nil, err
	}
	return &f, nil
}

// keyPathRe matches the key path an error message starts with, such as
// "vms[2].hypervisor" in `vms[2].hypervisor: "hv4" is not a hypervisor`.
var keyPathRe = regexp.MustCompile(`^(?:labs: )?([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*)(?:: | \()`)

// withLines prefixes each of err's messages that starts with a key path
// with the line of that key in the file ("line 24: vms[2].hypervisor: ...").
func withLines(err error, root *yaml.Node) error {
	var errs []error
	for _, e := range flatten(err) {
		if m := keyPathRe.FindStringSubmatch(e.Error()); m != nil {
			if line := lineOf(root, m[1]); line > 0 {
				e = &LineError{Line: line, Err: e}
			}
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// configLineRe matches the line reference config errors end with.
var configLineRe = regexp.MustCompile(` \(line \d+\)$`)

// ConfigError is a lab file setting that makes a hypervisor's generated
// vtepd configuration invalid; Msg names the lab file's key.
type ConfigError struct {
	Hypervisor string
	Msg        string
	Err        error // config.Parse's error
}

func (e *ConfigError) Error() string { return e.Msg }

// Unwrap returns config.Parse's error.
func (e *ConfigError) Unwrap() error { return e.Err }

// LineError is a lab file error at a line of the file.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the error without its line.
func (e *LineError) Unwrap() error { return e.Err }

// flatten lists the errors inside errors.Join trees.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// lineOf returns the line of the node at a key path like "vms[2].ip"; for
// a missing key, the line of the mapping that lacks it (0 if even the path
// to it is not in the document).
func lineOf(root *yaml.Node, path string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, seg := range strings.Split(path, ".") {
		key, idx := seg, -1
		if i := strings.IndexByte(seg, '['); i >= 0 {
			key = seg[:i]
			idx, _ = strconv.Atoi(strings.TrimSuffix(seg[i+1:], "]"))
		}
		if n.Kind != yaml.MappingNode {
			return 0
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return n.Line // a missing key: the line of its mapping
		}
		n = next
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return 0
			}
			n = n.Content[idx]
		}
	}
	return n.Line
}

// Check validates the topology and every hypervisor's vtepd configuration.
func (f *File) Check() error {
	var errs []error
	if err := f.Topology().Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(f.Hypervisors) == 0 && len(f.Topology().frrNodes()) == 0 {
		errs = append(errs, errors.New("hypervisors: a lab needs at least one hypervisor (or FRR nodes)"))
	}
	seen := map[string]bool{}
	for i, h := range f.Hypervisors {
		errs = append(errs, f.checkHypervisorEVPN(i, h)...)
		// The evpn section is checked above, the rest by vtepd's parser.
		base := h
		base.EVPN = nil
		_, err := config.Parse(f.VtepdConfig(base, "/run/vtep-check"))
		if err == nil {
			continue
		}
		// Name the lab file's key: a network error comes from vtep.networks
		// or the hypervisor's own networks; lines in the generated
		// configuration mean nothing to the lab file's author.
		for _, e := range flatten(err) {
			msg := configLineRe.ReplaceAllString(e.Error(), "")
			switch {
			case strings.HasPrefix(msg, "networks[") && len(h.Networks) > 0:
				msg = fmt.Sprintf("hypervisors[%d].%s", i, msg)
			case strings.HasPrefix(msg, "networks["):
				msg = "vtep." + msg
			default:
				msg = fmt.Sprintf("hypervisors[%d] (%s) vtepd configuration: %s", i, h.Name, msg)
			}
			if !seen[msg] {
				seen[msg] = true
				errs = append(errs, &ConfigError{Hypervisor: h.Name, Msg: msg, Err: e})
			}
		}
	}
	// VM VLANs must be ones the hypervisor maps (else the lab cannot talk).
	for i, v := range f.VMs {
		for _, h := range f.Hypervisors {
			if h.Name != v.Hypervisor || v.VLAN == 0 {
				continue
			}
			mapped := false
			for _, n := range f.networks(h) {
				mapped = mapped || n.VLAN == v.VLAN
			}
			if !mapped {
				errs = append(errs, fmt.Errorf("vms[%d].vlan: %d is mapped to no VNI on hypervisor %q (vtep.networks)", i, v.VLAN, h.Name))
			}
		}
	}
	errs = append(errs, f.checkOverlayAddresses()...)
	return errors.Join(errs...)
}

// checkOverlayAddresses finds two hosts with one address in one VNI.
func (f *File) checkOverlayAddresses() []error {
	var errs []error
	seen := map[string]string{}
	use := func(field string, vni int, cidr string) {
		ip := ipOnly(cidr)
		k := fmt.Sprintf("%d/%s", vni, ip)
		if prev, ok := seen[k]; ok {
			errs = append(errs, fmt.Errorf("%s: address %s is already used in VNI %d by %s", field, ip, vni, prev))
			return
		}
		seen[k] = field
	}
	for i, v := range f.VMs {
		// A VM is in each VNI once, although its hypervisor's name or its
		// VLAN may appear twice (errors reported elsewhere): never report
		// an entry as its own duplicate.
		vnis := map[int]bool{}
		for _, h := range f.Hypervisors {
			if h.Name != v.Hypervisor {
				continue
			}
			for _, n := range f.networks(h) {
				if n.VLAN == v.VLAN && v.VLAN != 0 && !vnis[n.VNI] {
					vnis[n.VNI] = true
					use(fmt.Sprintf("vms[%d].ip", i), n.VNI, v.IP)
				}
			}
			break
		}
	}
	for i, p := range f.PhysicalVTEPs {
		for j, n := range p.Networks {
			use(fmt.Sprintf("physical_vteps[%d].networks[%d].ip", i, j), n.VNI, n.IP)
		}
	}
	return errs
}

func (f *File) networks(h FileHypervisor) []FileNetwork {
	if len(h.Networks) > 0 {
		return h.Networks
	}
	return f.VTEP.Networks
}

// Topology returns the lab's topology.
func (f *File) Topology() Topology {
	t := Topology{Prefix: f.Prefix}
	t.Underlay.Snooping = f.Underlay.IGMPSnooping
	t.Underlay.DropMulticast = f.Underlay.NoMulticast
	for _, h := range f.Hypervisors {
		t.Hypervisors = append(t.Hypervisors, Hypervisor{Name: h.Name, VTEPIP: h.VTEPIP, Switch: h.Switch, Gateway: h.Gateway})
	}
	for _, v := range f.VMs {
		t.VMs = append(t.VMs, VM{Name: v.Name, Hypervisor: v.Hypervisor, MAC: v.MAC, IP: v.IP, VLAN: v.VLAN, Tagged: v.Tagged, MTU: v.MTU})
	}
	for _, p := range f.PhysicalVTEPs {
		t.PhysicalVTEPs = append(t.PhysicalVTEPs, PhysicalVTEP(p))
	}
	t.Routers = f.Routers
	t.Switches = f.Switches
	return t
}

// VtepdConfig returns the vtepd configuration (YAML) of a hypervisor whose
// OVS instance runs in dir. In replication mode the peers are every other
// VTEP of the lab, OVS and physical alike.
func (f *File) VtepdConfig(h FileHypervisor, dir string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# vtepd configuration of lab %q, hypervisor %q (generated)\n", f.Prefix, h.Name)
	fmt.Fprintf(&b, "ovsdb: unix:%s\n", filepath.Join(dir, "db.sock"))
	fmt.Fprintf(&b, "ovs_unixctl: %s\n", filepath.Join(dir, "ovs-vswitchd.ctl"))
	fmt.Fprintf(&b, "openflow:\n  listen: unix:%s\n", filepath.Join(dir, "vtepd.sock"))
	fmt.Fprintf(&b, "api:\n  listen: unix:%s\n", filepath.Join(dir, "vtepd-api.sock"))
	fmt.Fprintf(&b, "bridge: %s\ndatapath_type: netdev\n", DefaultOverlayBridge)
	fmt.Fprintf(&b, "underlay:\n  bridge: %s\n  uplink: eth0\n  local_ip: %s\n", DefaultUnderlayBridge, h.VTEPIP)
	if len(f.VTEP.TrustedVTEPs) > 0 {
		fmt.Fprintf(&b, "  trusted_vteps: [%s]\n", strings.Join(f.VTEP.TrustedVTEPs, ", "))
	}
	mode := f.VTEP.Flood
	if mode == "" {
		mode = string(config.FloodMulticast)
	}
	fmt.Fprintf(&b, "flood:\n  mode: %s\n", mode)
	if mode == string(config.FloodReplication) {
		var peers []string
		for _, o := range f.Hypervisors {
			if o.Name != h.Name {
				peers = append(peers, ipOnly(o.VTEPIP))
			}
		}
		for _, p := range f.PhysicalVTEPs {
			peers = append(peers, ipOnly(p.VTEPIP))
		}
		fmt.Fprintf(&b, "  peers: [%s]\n", strings.Join(peers, ", "))
	}
	if f.VTEP.MACAgeing != "" {
		fmt.Fprintf(&b, "mac_ageing: %s\n", f.VTEP.MACAgeing)
	}
	if f.VTEP.MaxMACs != 0 {
		fmt.Fprintf(&b, "max_macs: %d\n", f.VTEP.MaxMACs)
	}
	if f.VTEP.BUMPPS != 0 {
		fmt.Fprintf(&b, "bum_pps: %d\n", f.VTEP.BUMPPS)
	}
	b.WriteString("networks:\n")
	for _, n := range f.networks(h) {
		fmt.Fprintf(&b, "  - vni: %d\n", n.VNI)
		if n.VLAN != 0 {
			fmt.Fprintf(&b, "    vlan: %d\n", n.VLAN)
		}
		if n.Group != "" {
			fmt.Fprintf(&b, "    group: %s\n", n.Group)
		}
		if len(n.Subnets) > 0 {
			fmt.Fprintf(&b, "    subnets: [%s]\n", strings.Join(n.Subnets, ", "))
		}
		if n.ARPSuppression != "" {
			fmt.Fprintf(&b, "    arp_suppression: %s\n", n.ARPSuppression)
		}
	}
	b.WriteString(vtepdEVPN(h.EVPN))
	return []byte(b.String())
}

func ipOnly(cidr string) string {
	if i := strings.IndexByte(cidr, '/'); i >= 0 {
		return cidr[:i]
	}
	return cidr
}
