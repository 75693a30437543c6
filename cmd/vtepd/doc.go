// Command vtepd makes Open vSwitch bridges behave as VXLAN tunnel end points.
// It is a thin main: flags (-config, -check, -log-level, -log-json), signal
// handling (SIGTERM/SIGINT stop it, leaving the switches their flows; SIGHUP
// reloads the configuration) and the agent package, which does the work.
// See the README, docs/config.md and docs/design.md.
package main
