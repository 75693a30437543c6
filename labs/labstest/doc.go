// Package labstest holds test helpers for tests that need real Open vSwitch
// instances and network namespaces: they skip on a machine that cannot run
// them, except where integration is required (CI), where they fail instead.
package labstest
