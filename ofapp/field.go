package ofapp

import (
	"fmt"
	"strconv"
)

// OXM and NXM classes used by vtep's flows.
const (
	// ClassNXM0 is the Nicira NXM_OF_* class (OpenFlow 1.0 fields in NXM form).
	ClassNXM0 uint16 = 0x0000
	// ClassNXM1 is the Nicira NXM_NX_* class (registers, tunnel metadata).
	ClassNXM1 uint16 = 0x0001
	// ClassOpenFlowBasic is OFPXMC_OPENFLOW_BASIC.
	ClassOpenFlowBasic uint16 = 0x8000
	// ClassEricsson is Ericsson's OXM class (ERICOXM_OF_*).
	ClassEricsson uint16 = 0x1000
)

// Field names one switch field in NXM/OXM form, as register moves, loads and
// learn specs refer to it: its class, field number, width in bytes and the
// name ovs-ofctl prints for it (NXM_NX_REG0, NXM_OF_ETH_SRC, ...).
type Field struct {
	Name  string
	Class uint16
	Field uint8
	Bytes uint8
}

// Bits returns the field's width in bits.
func (f Field) Bits() uint16 { return uint16(f.Bytes) * 8 }

// Fields vtep's pipeline refers to by NXM name.
var (
	FieldInPort     = Field{Name: "NXM_OF_IN_PORT", Class: ClassNXM0, Field: 0, Bytes: 2}
	FieldEthDst     = Field{Name: "NXM_OF_ETH_DST", Class: ClassNXM0, Field: 1, Bytes: 6}
	FieldEthSrc     = Field{Name: "NXM_OF_ETH_SRC", Class: ClassNXM0, Field: 2, Bytes: 6}
	FieldVLANTCI    = Field{Name: "NXM_OF_VLAN_TCI", Class: ClassNXM0, Field: 4, Bytes: 2}
	FieldIPv4Src    = Field{Name: "NXM_OF_IP_SRC", Class: ClassNXM0, Field: 7, Bytes: 4}
	FieldTunID      = Field{Name: "NXM_NX_TUN_ID", Class: ClassNXM1, Field: 16, Bytes: 8}
	FieldTunIPv4Src = Field{Name: "NXM_NX_TUN_IPV4_SRC", Class: ClassNXM1, Field: 31, Bytes: 4}
	FieldTunIPv4Dst = Field{Name: "NXM_NX_TUN_IPV4_DST", Class: ClassNXM1, Field: 32, Bytes: 4}
	FieldEthType    = Field{Name: "NXM_OF_ETH_TYPE", Class: ClassNXM0, Field: 3, Bytes: 2}
	FieldARPOp      = Field{Name: "NXM_OF_ARP_OP", Class: ClassNXM0, Field: 15, Bytes: 2}
	FieldARPSPA     = Field{Name: "NXM_OF_ARP_SPA", Class: ClassNXM0, Field: 16, Bytes: 4}
	FieldARPTPA     = Field{Name: "NXM_OF_ARP_TPA", Class: ClassNXM0, Field: 17, Bytes: 4}
	FieldARPSHA     = Field{Name: "NXM_NX_ARP_SHA", Class: ClassNXM1, Field: 17, Bytes: 6}
	FieldARPTHA     = Field{Name: "NXM_NX_ARP_THA", Class: ClassNXM1, Field: 18, Bytes: 6}
	FieldIPProto    = Field{Name: "NXM_OF_IP_PROTO", Class: ClassNXM0, Field: 6, Bytes: 1}
	FieldIPv6Src    = Field{Name: "NXM_NX_IPV6_SRC", Class: ClassNXM1, Field: 19, Bytes: 16}
	FieldIPv6Dst    = Field{Name: "NXM_NX_IPV6_DST", Class: ClassNXM1, Field: 20, Bytes: 16}
	FieldICMPv6Type = Field{Name: "NXM_NX_ICMPV6_TYPE", Class: ClassNXM1, Field: 21, Bytes: 1}
	FieldNDTarget   = Field{Name: "NXM_NX_ND_TARGET", Class: ClassNXM1, Field: 23, Bytes: 16}
	FieldNDSLL      = Field{Name: "NXM_NX_ND_SLL", Class: ClassNXM1, Field: 24, Bytes: 6}
	FieldNDTLL      = Field{Name: "NXM_NX_ND_TLL", Class: ClassNXM1, Field: 25, Bytes: 6}
	// The ND fields OVS 2.11 added in Ericsson's OXM class: the R, S and O
	// flags word of a Neighbour Advertisement and the type of its first
	// option, which together turn a solicitation into an advertisement.
	FieldNDReserved    = Field{Name: "ERICOXM_OF_ICMPV6_ND_RESERVED", Class: ClassEricsson, Field: 1, Bytes: 4}
	FieldNDOptionsType = Field{Name: "ERICOXM_OF_ICMPV6_ND_OPTIONS_TYPE", Class: ClassEricsson, Field: 2, Bytes: 1}
)

// FieldReg returns the 32-bit register NXM_NX_REGn (n in 0..15).
func FieldReg(n int) Field {
	if n < 0 || n > 15 {
		panic(fmt.Sprintf("ofapp: register %d out of range 0..15", n))
	}
	return regFields[n]
}

// regFields are the 16 registers, made once: the pipeline names a register
// in most of the flows it builds.
var regFields = func() (r [16]Field) {
	for n := range r {
		r[n] = Field{Name: "NXM_NX_REG" + strconv.Itoa(n), Class: ClassNXM1, Field: uint8(n), Bytes: 4}
	}
	return r
}()

// FieldRange is a run of bits of a Field: NBits bits starting at bit Ofs.
// An NBits of 0 means the whole field.
type FieldRange struct {
	Field Field
	Ofs   uint16
	NBits uint16
}

// Whole returns the range covering all of f.
func Whole(f Field) FieldRange { return FieldRange{Field: f} }

// Bits returns the range of n bits of f starting at bit ofs.
func Bits(f Field, ofs, n uint16) FieldRange { return FieldRange{Field: f, Ofs: ofs, NBits: n} }

// Width returns the number of bits the range covers.
func (r FieldRange) Width() uint16 {
	if r.NBits == 0 {
		return r.Field.Bits() - r.Ofs
	}
	return r.NBits
}

// Validate reports a range that does not fit its field.
func (r FieldRange) Validate() error {
	if r.Field.Bytes == 0 {
		return fmt.Errorf("field range: field %q has no width", r.Field.Name)
	}
	if r.Ofs+r.Width() > r.Field.Bits() {
		return fmt.Errorf("field range %s: bits %d..%d exceed the field's %d bits", r, r.Ofs, r.Ofs+r.Width()-1, r.Field.Bits())
	}
	return nil
}

// String prints the range as ovs-ofctl does: NXM_NX_REG0[] or NXM_NX_REG0[0..23].
func (r FieldRange) String() string { return string(r.appendText(nil)) }
