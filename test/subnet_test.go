package test

import (
	"testing"
)

// subnetLab: VNI 30 is chosen by destination subnet (192.168.30.0/24) for
// untagged VM ports, beside VNI 10 on VLAN 1. p and q are untagged VMs in
// the subnet on two VTEPs; a is on VLAN 1 with an address in the subnet
// too, to show the two classifications do not mix.
const subnetLab = `
prefix: subn
description: destination-subnet classification (VNI 30) beside VLAN 1 (VNI 10)
underlay: {igmp_snooping: false}
vtep:
  flood: multicast
  networks:
    - {vni: 10, vlan: 1, group: 239.1.1.1}
    - {vni: 30, group: 239.1.1.3, subnets: [192.168.30.0/24]}
hypervisors:
  - {name: hv1, vtep_ip: 10.0.0.1/24}
  - {name: hv2, vtep_ip: 10.0.0.2/24}
vms:
  - {name: p, hypervisor: hv1, mac: "02:00:00:00:30:01", ip: 192.168.30.1/24}
  - {name: q, hypervisor: hv2, mac: "02:00:00:00:30:02", ip: 192.168.30.2/24}
  - {name: a, hypervisor: hv2, mac: "02:00:00:00:00:0a", ip: 192.168.30.9/24, vlan: 1}
`

// TestSubnetClassification: frames from untagged ports are carried in the
// VNI whose subnet holds their destination (ARP target or IP destination),
// and a destination in no subnet is dropped and counted.
func TestSubnetClassification(t *testing.T) {
	r := upLab(t, labFile(t, subnetLab), nil)
	wire := capture(t, r, "ul", "hv1", "udp port 4789")
	ca := capture(t, r, "a", "eth0", "")
	mustPing(t, r, "p", "192.168.30.2", 3)
	waitCount(t, wire, "echo requests p -> q", 3, "> 10.0.0.2.4789", "ICMP echo request")
	waitCount(t, wire, "echo replies q -> p", 3, "> 10.0.0.1.4789", "ICMP echo reply")
	lw, la := wire.Stop(), ca.Stop()
	checkCount(t, "p's ARP request, to VNI 30's group", lw, 1, "> 239.1.1.3.4789", "vni 30 |", "Request who-has 192.168.30.2")
	checkCount(t, "echo requests p -> q in VNI 30", lw, 3, "10.0.0.1.", "> 10.0.0.2.4789", "vni 30 |", "192.168.30.1 > 192.168.30.2: ICMP echo request")
	checkCount(t, "echo replies q -> p in VNI 30", lw, 3, "10.0.0.2.", "> 10.0.0.1.4789", "vni 30 |", "192.168.30.2 > 192.168.30.1: ICMP echo reply")
	checkCount(t, "frames in another VNI", lw, 0, "vni 10 |")
	checkCount(t, "VNI 30 frames at a (VLAN 1)", la, 0, "192.168.30.1")
	checkMACs(t, r, "hv2", macEntry{VNI: 30, MAC: "02:00:00:00:30:01", VTEP: "10.0.0.1"}, macEntry{VNI: 30, MAC: "02:00:00:00:30:02", VTEP: "local"})

	// A destination in no subnet: p's ARP for it is dropped at hv1 and counted.
	drops := func() uint64 { return unknownVLANDrops(t, r, "hv1") }
	before := drops()
	wire = capture(t, r, "ul", "hv1", "udp port 4789")
	mustExec(t, r, "p", "ip", "route", "add", "192.168.99.0/24", "dev", "eth0")
	pingFails(t, r, "p", "192.168.99.1", 2)
	checkCount(t, "frames on the underlay for a destination in no subnet", wire.Stop(), 0, "192.168.99.1")
	if d := drops(); d <= before {
		t.Errorf("drop counter did not grow: %d -> %d", before, d)
	}
	checkNoPacketIns(t, r)
}
