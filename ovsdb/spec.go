package ovsdb

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Values of Bridge datapath_type and fail_mode.
const (
	DatapathNetdev = "netdev" // userspace datapath
	DatapathSystem = "system" // kernel datapath
	FailSecure     = "secure"
	FailStandalone = "standalone"
)

// ProtocolOpenFlow13 is the OpenFlow version vtep speaks; every bridge it
// ensures allows it.
const ProtocolOpenFlow13 = "OpenFlow13"

// BridgeSpec is the desired state of a bridge. EnsureBridge makes the
// bridge's columns exactly as given, except that OtherConfig and ExternalIDs
// keys are added or changed but keys not mentioned are left alone. Listed
// ports are ensured as by EnsurePort; ports not listed are left alone (VM
// ports belong to whoever plugs VMs in). The bridge's own internal port
// (named like the bridge) is always ensured, as ovs-vsctl add-br does.
type BridgeSpec struct {
	Name         string
	DatapathType string   // DatapathNetdev (default) or DatapathSystem
	FailMode     string   // FailSecure, FailStandalone, or "" for unset
	Protocols    []string // default [OpenFlow13]; must include OpenFlow13
	Controllers  []string // controller targets: "unix:PATH", "tcp:IP:PORT", "ssl:IP:PORT"
	// ControllerMaxBackoff, when not 0, is the controllers' max_backoff in
	// ms (at least 1000): how soon ovs-vswitchd retries a lost controller.
	ControllerMaxBackoff int
	DatapathID           string            // other_config:datapath-id, 16 hex digits ("" leaves it alone)
	DisableInBand        bool              // sets other_config:disable-in-band=true
	OtherConfig          map[string]string // further other_config keys
	ExternalIDs          map[string]string
	Ports                []PortSpec
	TableNames           map[int]string // OpenFlow table id -> name; nil leaves them alone, non-nil makes them exactly these
}

// PortSpec is the desired state of a port with one interface of the same
// name. Options are set exactly; ExternalIDs keys are merged.
type PortSpec struct {
	Name          string
	Type          string            // interface type: "" (a system device), "internal", "vxlan", ...
	Options       map[string]string // interface options
	Tag           *int              // access VLAN, nil for none
	Trunks        []int             // VLANs a trunk port carries
	VLANMode      string            // "", access, trunk, native-tagged, native-untagged
	OfportRequest int               // 0 lets ovs-vswitchd choose
	ExternalIDs   map[string]string // port external_ids
}

// VXLAN describes a flow-based VXLAN port: remote_ip=flow and key=flow, so
// flows choose the remote VTEP (tun_dst) and the VNI (tun_id).
type VXLAN struct {
	Name          string
	DstPort       int    // UDP port, default 4789
	LocalIP       string // optional options:local_ip
	OfportRequest int
}

// DefaultVXLANPort is the IANA VXLAN UDP port.
const DefaultVXLANPort = 4789

// PortSpec returns the port spec of the VXLAN port.
func (v VXLAN) PortSpec() PortSpec {
	dst := v.DstPort
	if dst == 0 {
		dst = DefaultVXLANPort
	}
	opts := map[string]string{"remote_ip": "flow", "key": "flow", "dst_port": strconv.Itoa(dst)}
	if v.LocalIP != "" {
		opts["local_ip"] = v.LocalIP
	}
	return PortSpec{Name: v.Name, Type: "vxlan", Options: opts, OfportRequest: v.OfportRequest}
}

// Validate checks the VXLAN port's fields.
func (v VXLAN) Validate() error {
	if v.DstPort < 0 || v.DstPort > 65535 {
		return &FieldError{Field: "vxlan.dst_port", Value: strconv.Itoa(v.DstPort), Reason: "must be 1..65535"}
	}
	if v.LocalIP != "" && net.ParseIP(v.LocalIP) == nil {
		return &FieldError{Field: "vxlan.local_ip", Value: v.LocalIP, Reason: "is not an IP address"}
	}
	return v.PortSpec().Validate()
}

var (
	reName     = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.:-]*$`)
	reDPID     = regexp.MustCompile(`^[0-9a-fA-F]{16}$`)
	reIfType   = regexp.MustCompile(`^[a-z0-9_-]*$`)
	vlanModes  = []string{"", "access", "trunk", "native-tagged", "native-untagged", "dot1q-tunnel"}
	protocols  = []string{"OpenFlow10", "OpenFlow11", "OpenFlow12", "OpenFlow13", "OpenFlow14", "OpenFlow15"}
	ctrlPrefix = []string{"unix:", "tcp:", "ssl:", "punix:", "ptcp:", "pssl:"}
)

func validName(field, name string, max int) error {
	if name == "" {
		return &FieldError{Field: field, Value: name, Reason: "must not be empty"}
	}
	if len(name) > max {
		return &FieldError{Field: field, Value: name, Reason: fmt.Sprintf("is longer than %d characters", max)}
	}
	if !reName.MatchString(name) {
		return &FieldError{Field: field, Value: name, Reason: "may hold only letters, digits and _ . : -"}
	}
	return nil
}

// Validate checks the port spec's fields.
func (p PortSpec) Validate() error {
	max := 255
	if p.Type == "" || p.Type == "internal" || p.Type == "tap" {
		max = 15 // a kernel network device name
	}
	if err := validName("port.name", p.Name, max); err != nil {
		return err
	}
	f := func(name string) string { return "port " + p.Name + " " + name }
	if !reIfType.MatchString(p.Type) {
		return &FieldError{Field: f("type"), Value: p.Type, Reason: "is not an interface type"}
	}
	if p.Tag != nil && (*p.Tag < 0 || *p.Tag > 4095) {
		return &FieldError{Field: f("tag"), Value: strconv.Itoa(*p.Tag), Reason: "must be 0..4095"}
	}
	for _, t := range p.Trunks {
		if t < 0 || t > 4095 {
			return &FieldError{Field: f("trunks"), Value: strconv.Itoa(t), Reason: "must be 0..4095"}
		}
	}
	if !slices.Contains(vlanModes, p.VLANMode) {
		return &FieldError{Field: f("vlan_mode"), Value: p.VLANMode, Reason: "must be one of " + strings.Join(vlanModes[1:], ", ")}
	}
	if p.OfportRequest < 0 || p.OfportRequest > 65279 {
		return &FieldError{Field: f("ofport_request"), Value: strconv.Itoa(p.OfportRequest), Reason: "must be 1..65279 (0 for none)"}
	}
	return nil
}

// Validate checks the bridge spec's fields and its ports.
func (b BridgeSpec) Validate() error {
	if err := validName("bridge.name", b.Name, 15); err != nil {
		return err
	}
	f := func(name string) string { return "bridge " + b.Name + " " + name }
	if b.DatapathType != "" && b.DatapathType != DatapathNetdev && b.DatapathType != DatapathSystem {
		return &FieldError{Field: f("datapath_type"), Value: b.DatapathType, Reason: "must be netdev or system"}
	}
	if b.FailMode != "" && b.FailMode != FailSecure && b.FailMode != FailStandalone {
		return &FieldError{Field: f("fail_mode"), Value: b.FailMode, Reason: "must be secure or standalone"}
	}
	for _, p := range b.Protocols {
		if !slices.Contains(protocols, p) {
			return &FieldError{Field: f("protocols"), Value: p, Reason: "must be one of " + strings.Join(protocols, ", ")}
		}
	}
	if len(b.Protocols) > 0 && !slices.Contains(b.Protocols, ProtocolOpenFlow13) {
		return &FieldError{Field: f("protocols"), Value: strings.Join(b.Protocols, ","), Reason: "must include OpenFlow13"}
	}
	for _, t := range b.Controllers {
		ok := false
		for _, pre := range ctrlPrefix {
			ok = ok || (strings.HasPrefix(t, pre) && len(t) > len(pre))
		}
		if !ok {
			return &FieldError{Field: f("controller target"), Value: t, Reason: "want unix:PATH, tcp:IP:PORT or ssl:IP:PORT"}
		}
	}
	if b.ControllerMaxBackoff != 0 && b.ControllerMaxBackoff < 1000 {
		return &FieldError{Field: f("controller max_backoff"), Value: strconv.Itoa(b.ControllerMaxBackoff), Reason: "must be at least 1000 (ms)"}
	}
	if b.DatapathID != "" && !reDPID.MatchString(b.DatapathID) {
		return &FieldError{Field: f("other_config:datapath-id"), Value: b.DatapathID, Reason: "must be exactly 16 hex digits"}
	}
	seen := map[string]bool{}
	for _, p := range b.Ports {
		if err := p.Validate(); err != nil {
			return err
		}
		if seen[p.Name] {
			return &FieldError{Field: f("ports"), Value: p.Name, Reason: "is listed twice"}
		}
		seen[p.Name] = true
	}
	for id, name := range b.TableNames {
		if id < 0 || id > 254 {
			return &FieldError{Field: f("table id"), Value: strconv.Itoa(id), Reason: "must be 0..254"}
		}
		if name == "" {
			return &FieldError{Field: fmt.Sprintf("bridge %s table %d name", b.Name, id), Value: name, Reason: "must not be empty"}
		}
	}
	return nil
}
