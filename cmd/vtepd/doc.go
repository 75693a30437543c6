// Command vtepd makes Open vSwitch bridges behave as VXLAN tunnel end points.
// It is a thin main: flags (-config, -check, -log-level, -log-json,
// -leave-groups, -igmp-lease), signal handling (SIGTERM/SIGINT stop it,
// leaving the switches their flows and the IGMP membership holder its
// groups, unless -leave-groups; SIGHUP reloads the configuration) and the
// agent package, which does the work. The hidden subcommand hold-groups
// runs the membership holder vtepd starts itself (underlay.Holder).
// See the README, docs/config.md and docs/design.md.
package main
