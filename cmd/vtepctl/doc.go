// Command vtepctl is vtep's operator tool: state, learned MAC tables, named
// flow dumps, packet traces and labs (docs/vtepctl.md, docs/labs.md).
//
// It is command wiring and printing only. One cobra command tree (main.go)
// parses every command line, with generated help and shell completion
// (`vtepctl completion bash`); cli.go words pflag's errors the way the
// docs do and makes bad usage exit 2. The commands that ask vtepd (status,
// macs, dump-flows, trace) share vtepdOptions and print api types; the lab
// subcommands parse with labParse (options before or after the positional
// arguments; exec, macs and flows pass what follows the node on) and call
// package labs for the registry of labs that are up, their status and the
// parsers of OVS and iproute2 output, and labs/demo for the walk-through.
package main
