package ofapp

import "encoding/hex"

// RawAction is an action vtep's model does not name, kept as its OpenFlow
// wire bytes (type, length and body, a multiple of 8 bytes). Reading flows
// back from a switch yields RawAction for anything unknown, so such a flow
// still compares unequal to the wanted one instead of being misread.
type RawAction struct{ Bytes []byte }

func (RawAction) isAction() {}

// String prints the action as hex; ovs-ofctl has no syntax for it.
func (a RawAction) String() string { return "raw(" + hex.EncodeToString(a.Bytes) + ")" }
