// Command vtepctl is vtep's operator tool: state, learned MAC tables, named
// flow dumps, packet traces and labs. Each command lives in its own file and
// registers itself in commands.
package main
