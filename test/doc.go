// Package test holds vtep's end-to-end tests and benchmarks: real Open
// vSwitch instances (userspace datapath) in network namespaces, one vtepd
// process per hypervisor, real packets captured on the underlay and in the
// VMs. Each scenario brings up a lab (labs/*.yaml or a test's own lab file)
// under a fresh prefix and takes it down when it ends; TestMain fails the
// run if anything is left behind. They need root; with
// VTEP_REQUIRE_INTEGRATION=1 (CI) they fail instead of skipping without it.
package test
