#!/bin/bash
# Turns a privileged container into a figure-4 hypervisor, the way the labs
# package builds one in a namespace (docs/labs.md):
#   - Open vSwitch with the userspace datapath (no kernel module needed);
#   - the container's underlay interface eth0 becomes a port of br-phy, and
#     br-phy holds the VTEP address Docker gave eth0;
#   - the VM is a network namespace cabled to br-int, an access port of
#     VM_VLAN;
#   - vtepd runs in the foreground with /etc/vtep/vtepd.yaml.
# Environment: VTEP_IP (address/len), VM_NAME, VM_MAC, VM_IP (address/len), VM_VLAN.
set -euo pipefail
: "${VTEP_IP:?}" "${VM_NAME:?}" "${VM_MAC:?}" "${VM_IP:?}" "${VM_VLAN:?}"
RUN=/var/run/openvswitch
mkdir -p "$RUN" /etc/openvswitch /var/log/openvswitch /var/run/vtep

# Open vSwitch: one database, one vswitchd without the kernel datapath.
[ -f /etc/openvswitch/conf.db ] || ovsdb-tool create /etc/openvswitch/conf.db /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server /etc/openvswitch/conf.db --remote=punix:$RUN/db.sock --pidfile=$RUN/ovsdb-server.pid \
  --unixctl=$RUN/ovsdb-server.ctl --detach --log-file=/var/log/openvswitch/ovsdb-server.log
ovs-vsctl --no-wait init
ovs-vswitchd unix:$RUN/db.sock --pidfile=$RUN/ovs-vswitchd.pid --unixctl=$RUN/ovs-vswitchd.ctl \
  --detach --disable-system --log-file=/var/log/openvswitch/ovs-vswitchd.log

# The underlay: eth0 into br-phy, the VTEP address onto br-phy. Packets that
# cross the userspace datapath need checksum offload off on veths.
ip addr flush dev eth0
ethtool -K eth0 tx off >/dev/null
ovs-vsctl --may-exist add-br br-phy -- set bridge br-phy datapath_type=netdev -- --may-exist add-port br-phy eth0
ip addr add "$VTEP_IP" dev br-phy
ip link set br-phy up

# The overlay bridge vtepd programs, and the VM on it.
ovs-vsctl --may-exist add-br br-int -- set bridge br-int datapath_type=netdev fail_mode=secure protocols=OpenFlow13
if [ ! -e "/run/netns/$VM_NAME" ]; then
  ip netns add "$VM_NAME"
  ip link add name "$VM_NAME" type veth peer name eth0 netns "$VM_NAME"
  ip -n "$VM_NAME" link set lo up
  ip -n "$VM_NAME" link set eth0 address "$VM_MAC" mtu 1450
  ip -n "$VM_NAME" addr add "$VM_IP" dev eth0
  ip -n "$VM_NAME" link set eth0 up
  ip netns exec "$VM_NAME" ethtool -K eth0 tx off >/dev/null
  ethtool -K "$VM_NAME" tx off >/dev/null
  ip link set dev "$VM_NAME" mtu 1450 up
fi
ovs-vsctl --may-exist add-port br-int "$VM_NAME" tag="$VM_VLAN"

exec vtepd -config /etc/vtep/vtepd.yaml
