package ofapp

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// ErrClosed is returned by operations on a switch session that has ended.
var ErrClosed = errors.New("switch session closed")

// Error is a failed operation on one switch: what was being done (Op), the
// switch's datapath ID, the flow or group the switch rejected (Item, its
// String(), when known) and the cause.
type Error struct {
	Op   string
	DPID uint64
	Item string
	Err  error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("ofapp: switch %s: %s", DPIDString(e.DPID), e.Op)
	if e.Item != "" {
		s += ": " + e.Item
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// DPIDString prints a datapath ID as OVS does (16 hex digits).
func DPIDString(dpid uint64) string { return fmt.Sprintf("%016x", dpid) }

// OFError is an OFPT_ERROR message a switch sent: type and code (for
// OFPET_EXPERIMENTER, the experimenter's code and ID) and the start of the
// message that caused it.
type OFError struct {
	Type         uint16
	Code         uint16
	Experimenter uint32
	Data         []byte
}

// OpenFlow error types (ofp_error_type).
const (
	ErrTypeHelloFailed  uint16 = 0
	ErrTypeBadRequest   uint16 = 1
	ErrTypeBadAction    uint16 = 2
	ErrTypeBadInstr     uint16 = 3
	ErrTypeBadMatch     uint16 = 4
	ErrTypeFlowMod      uint16 = 5
	ErrTypeGroupMod     uint16 = 6
	ErrTypeExperimenter uint16 = 0xffff
)

// Codes vtep sends itself.
const (
	codeHelloIncompatible uint16 = 0
	codeBadRequestVersion uint16 = 0
	codeBadRequestType    uint16 = 1
	codeBadRequestLen     uint16 = 6
)

var errorTypes = []struct {
	name, prefix string
	codes        []string
}{
	{"OFPET_HELLO_FAILED", "OFPHFC_", []string{"INCOMPATIBLE", "EPERM"}},
	{"OFPET_BAD_REQUEST", "OFPBRC_", []string{"BAD_VERSION", "BAD_TYPE", "BAD_MULTIPART", "BAD_EXPERIMENTER", "BAD_EXP_TYPE", "EPERM", "BAD_LEN", "BUFFER_EMPTY", "BUFFER_UNKNOWN", "BAD_TABLE_ID", "IS_SLAVE", "BAD_PORT", "BAD_PACKET", "MULTIPART_BUFFER_OVERFLOW"}},
	{"OFPET_BAD_ACTION", "OFPBAC_", []string{"BAD_TYPE", "BAD_LEN", "BAD_EXPERIMENTER", "BAD_EXP_TYPE", "BAD_OUT_PORT", "BAD_ARGUMENT", "EPERM", "TOO_MANY", "BAD_QUEUE", "BAD_OUT_GROUP", "MATCH_INCONSISTENT", "UNSUPPORTED_ORDER", "BAD_TAG", "BAD_SET_TYPE", "BAD_SET_LEN", "BAD_SET_ARGUMENT"}},
	{"OFPET_BAD_INSTRUCTION", "OFPBIC_", []string{"UNKNOWN_INST", "UNSUP_INST", "BAD_TABLE_ID", "UNSUP_METADATA", "UNSUP_METADATA_MASK", "BAD_EXPERIMENTER", "BAD_EXP_TYPE", "BAD_LEN", "EPERM"}},
	{"OFPET_BAD_MATCH", "OFPBMC_", []string{"BAD_TYPE", "BAD_LEN", "BAD_TAG", "BAD_DL_ADDR_MASK", "BAD_NW_ADDR_MASK", "BAD_WILDCARDS", "BAD_FIELD", "BAD_VALUE", "BAD_MASK", "BAD_PREREQ", "DUP_FIELD", "EPERM"}},
	{"OFPET_FLOW_MOD_FAILED", "OFPFMFC_", []string{"UNKNOWN", "TABLE_FULL", "BAD_TABLE_ID", "OVERLAP", "EPERM", "BAD_TIMEOUT", "BAD_COMMAND", "BAD_FLAGS"}},
	{"OFPET_GROUP_MOD_FAILED", "OFPGMFC_", []string{"GROUP_EXISTS", "INVALID_GROUP", "WEIGHT_UNSUPPORTED", "OUT_OF_GROUPS", "OUT_OF_BUCKETS", "CHAINING_UNSUPPORTED", "WATCH_UNSUPPORTED", "LOOP", "UNKNOWN_GROUP", "CHAINED_GROUP", "BAD_TYPE", "BAD_COMMAND", "BAD_BUCKET", "BAD_WATCH", "EPERM"}},
	{"OFPET_PORT_MOD_FAILED", "OFPPMFC_", []string{"BAD_PORT", "BAD_HW_ADDR", "BAD_CONFIG", "BAD_ADVERTISE", "EPERM"}},
	{"OFPET_TABLE_MOD_FAILED", "OFPTMFC_", []string{"BAD_TABLE", "BAD_CONFIG", "EPERM"}},
	{"OFPET_QUEUE_OP_FAILED", "OFPQOFC_", []string{"BAD_PORT", "BAD_QUEUE", "EPERM"}},
	{"OFPET_SWITCH_CONFIG_FAILED", "OFPSCFC_", []string{"BAD_FLAGS", "BAD_LEN", "EPERM"}},
	{"OFPET_ROLE_REQUEST_FAILED", "OFPRRFC_", []string{"STALE", "UNSUP", "BAD_ROLE"}},
	{"OFPET_METER_MOD_FAILED", "OFPMMFC_", []string{"UNKNOWN", "METER_EXISTS", "INVALID_METER", "UNKNOWN_METER", "BAD_COMMAND", "BAD_FLAGS", "BAD_RATE", "BAD_BURST", "BAD_BAND", "BAD_BAND_VALUE", "OUT_OF_METERS", "OUT_OF_BANDS"}},
	{"OFPET_TABLE_FEATURES_FAILED", "OFPTFFC_", []string{"BAD_TABLE", "BAD_METADATA", "BAD_TYPE", "BAD_LEN", "BAD_ARGUMENT", "EPERM"}},
}

// ONF bundle extension error codes (experimenter 0x4f4e4600), from 2300.
var bundleErrorCodes = []string{"UNKNOWN", "EPERM", "BAD_ID", "BUNDLE_EXIST", "BUNDLE_CLOSED", "OUT_OF_BUNDLES", "BAD_TYPE", "BAD_FLAGS", "MSG_BAD_LEN", "MSG_BAD_XID", "MSG_UNSUP", "MSG_CONFLICT", "MSG_TOO_MANY", "MSG_FAILED", "TIMEOUT", "BUNDLE_IN_PROCESS"}

// TypeName returns the OFPET_* name of the error type.
func (e *OFError) TypeName() string {
	if e.Type == ErrTypeExperimenter {
		return "OFPET_EXPERIMENTER"
	}
	if int(e.Type) < len(errorTypes) {
		return errorTypes[e.Type].name
	}
	return fmt.Sprintf("OFPET_%d", e.Type)
}

// CodeName returns the name of the error code (OFPBAC_BAD_OUT_GROUP,
// ONFBFC_MSG_FAILED, ...), or its number when unknown.
func (e *OFError) CodeName() string {
	if e.Type == ErrTypeExperimenter {
		if e.Experimenter == experimenterONF && e.Code >= 2300 && int(e.Code-2300) < len(bundleErrorCodes) {
			return "ONFBFC_" + bundleErrorCodes[e.Code-2300]
		}
		return fmt.Sprintf("EXPERIMENTER_0x%08x_CODE_%d", e.Experimenter, e.Code)
	}
	if int(e.Type) < len(errorTypes) {
		t := errorTypes[e.Type]
		if int(e.Code) < len(t.codes) {
			return t.prefix + t.codes[e.Code]
		}
		return fmt.Sprintf("%s%d", t.prefix, e.Code)
	}
	return fmt.Sprintf("CODE_%d", e.Code)
}

func (e *OFError) Error() string {
	s := e.TypeName() + "/" + e.CodeName()
	if e.Type == ErrTypeHelloFailed {
		// The data of HELLO_FAILED is an ASCII text, not a message.
		if text := helloText(e.Data); text != "" {
			s += ": " + text
		}
		return s
	}
	if len(e.Data) >= headerLen {
		s += fmt.Sprintf(" (for %s xid %d)", MessageTypeName(e.Data[1]), be.Uint32(e.Data[4:]))
	}
	return s
}

// Is makes errors.Is match an OFError with the same type and code.
func (e *OFError) Is(target error) bool {
	t, ok := target.(*OFError)
	return ok && t.Type == e.Type && t.Code == e.Code && (e.Type != ErrTypeExperimenter || t.Experimenter == e.Experimenter)
}

// helloText is the text of a HELLO_FAILED error's data: printable ASCII,
// without the NULs that may pad it, other bytes shown as '?'.
func helloText(data []byte) string {
	data = bytes.TrimRight(data, "\x00")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, string(data)))
}
