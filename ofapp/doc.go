// Package ofapp is vtep's OpenFlow 1.3 side: the plain Go values a pipeline is
// made of (Flow, Match, Action, GroupEntry), each printing itself in
// ovs-ofctl syntax.
package ofapp
