// Package demo is the walk-through `vtepctl lab demo` runs on a lab that is
// up: two VMs A and B in one VNI on different hypervisors, an ARP request
// from A flooded to the VNI's multicast group and B's unicast reply, then a
// ping. Each step prints what happens (captures on the underlay switch's
// ports, every VTEP's learned table) and checks it; a step that does not
// hold ends the demo with an error saying what was missing.
//
// NewCast picks the VMs and VTEPs from a lab file; Demo.Run runs the steps.
// Bringing the lab up and down is the caller's.
package demo
