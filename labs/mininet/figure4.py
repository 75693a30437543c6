#!/usr/bin/python3
"""The ARP walk-through lab (labs/figure4.yaml) as a Mininet network.

Every hypervisor is a Mininet host with its own Open vSwitch instance
(userspace datapath) and its own vtepd: one OVS per VTEP, because OVS's
tunnel router is per instance and two vtepds cannot share one. The VMs are
Mininet hosts too, each cabled to its hypervisor's br-int. The underlay is a
Linux bridge in a Mininet node of its own (a namespace: the root namespace is
left alone), which floods the VXLAN multicast group to every VTEP.

    sudo labs/mininet/figure4.py --vtepd bin/vtepd --vtepctl bin/vtepctl
        brings the network up and opens the Mininet CLI (mininet> a ping b);
    ... --check
        pings every VM from every other one, prints each hypervisor's learned
        table (vtepctl macs) and takes the network down; the exit status is
        non-zero if a ping or a table is wrong.

See docs/labs.md ("The lab in Mininet").
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time

from mininet.log import setLogLevel
from mininet.net import Mininet
from mininet.node import Host

# labs/figure4.yaml: hypervisor -> VTEP address; VM -> hypervisor, MAC, IP.
HYPERVISORS = [("hv1", "10.0.0.1/24"), ("hv2", "10.0.0.2/24"), ("hv3", "10.0.0.3/24")]
VMS = [
    ("a", "hv1", "02:00:00:00:00:0a", "192.168.10.1/24"),
    ("b", "hv2", "02:00:00:00:00:0b", "192.168.10.2/24"),
    ("c", "hv3", "02:00:00:00:00:0c", "192.168.10.3/24"),
]
VNI, VLAN, GROUP = 10, 1, "239.1.1.1"
SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"

VTEPD_CONFIG = """\
# vtepd of hypervisor {name} in the Mininet lab (labs/mininet/figure4.py)
ovsdb: unix:{dir}/db.sock
ovs_unixctl: {dir}/ovs-vswitchd.ctl
openflow:
  listen: unix:{dir}/vtepd.sock
api:
  listen: unix:{dir}/vtepd-api.sock
bridge: br-int
datapath_type: netdev
underlay:
  bridge: br-phy
  uplink: eth0
  local_ip: {ip}
flood:
  mode: multicast
networks:
  - vni: {vni}
    vlan: {vlan}
    group: {group}
"""


def run(node, cmd):
    """Runs cmd in node's namespace and raises if it fails."""
    out = node.cmd(cmd + "; echo rc=$?")
    body, _, rc = out.rstrip().rpartition("rc=")
    if rc.strip() != "0":
        raise RuntimeError("%s: %s: %s" % (node.name, cmd, body.strip()))
    return body


def stop_pidfile(pidfile, ask):
    """Stops the process of pidfile (ask() asks it to exit, else SIGTERM) and
    waits until it is gone, killing it after 10 s."""
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return
    if ask is not None:
        ask()
    else:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
    deadline = time.time() + 10
    while alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)


def alive(pid):
    """Whether pid is a live process (a zombie is not)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class Hypervisor(Host):
    """A Mininet host running its own OVS instance and vtepd."""

    rundir = None
    vtepd = None

    def start_vtep(self, rundir, vtepd, vm_ports):
        self.rundir = os.path.join(rundir, self.name)
        d = self.rundir
        os.makedirs(d)
        env = "OVS_RUNDIR=%s OVS_LOGDIR=%s OVS_DBDIR=%s" % (d, d, d)
        self.vsctl = "%s ovs-vsctl --db=unix:%s/db.sock" % (env, d)
        run(self, "ovsdb-tool create %s/conf.db %s" % (d, SCHEMA))
        run(self, "%s ovsdb-server %s/conf.db --remote=punix:%s/db.sock --pidfile=%s/ovsdb-server.pid "
                  "--unixctl=%s/ovsdb-server.ctl --detach --no-chdir --log-file=%s/ovsdb-server.log"
            % (env, d, d, d, d, d))
        run(self, self.vsctl + " --no-wait init")
        run(self, "%s ovs-vswitchd unix:%s/db.sock --pidfile=%s/ovs-vswitchd.pid --unixctl=%s/ovs-vswitchd.ctl "
                  "--detach --no-chdir --disable-system --log-file=%s/ovs-vswitchd.log" % (env, d, d, d, d))
        # The underlay: eth0 into br-phy, the VTEP address onto br-phy.
        ip = self.params["vtep_ip"]
        run(self, "ip addr flush dev eth0 && ethtool -K eth0 tx off >/dev/null")
        run(self, self.vsctl + " add-br br-phy -- set bridge br-phy datapath_type=netdev -- add-port br-phy eth0")
        run(self, "ip addr add %s dev br-phy && ip link set br-phy up" % ip)
        run(self, self.vsctl + " add-br br-int -- set bridge br-int datapath_type=netdev "
                               "fail_mode=secure protocols=OpenFlow13")
        for port in vm_ports:
            run(self, "ethtool -K %s tx off >/dev/null && ip link set dev %s mtu 1450" % (port, port))
            run(self, self.vsctl + " add-port br-int %s tag=%d" % (port, VLAN))
        cfg = os.path.join(d, "vtepd.yaml")
        with open(cfg, "w") as f:
            f.write(VTEPD_CONFIG.format(name=self.name, dir=d, ip=ip, vni=VNI, vlan=VLAN, group=GROUP))
        self.log = open(os.path.join(d, "vtepd.log"), "w")
        self.vtepd = self.popen([vtepd, "-config", cfg], stdout=self.log, stderr=subprocess.STDOUT)

    def stop_vtep(self):
        if self.vtepd is not None:
            self.vtepd.terminate()
            self.vtepd.wait()
            self.log.close()
        if not self.rundir:
            return
        # vtepd leaves its IGMP membership holder running (memberships
        # survive a restart): the lab that started vtepd stops it.
        stop_pidfile(os.path.join(self.rundir, "br-int.igmp.pid"), None)
        for daemon in ("ovs-vswitchd", "ovsdb-server"):
            stop_pidfile(os.path.join(self.rundir, daemon + ".pid"),
                         lambda d=daemon: self.cmd("ovs-appctl -t %s exit" % os.path.join(self.rundir, d + ".ctl")))

    def macs(self, vtepctl):
        return run(self, "%s macs --api unix:%s/vtepd-api.sock" % (vtepctl, self.rundir))


def build(prefix):
    """The Mininet network: underlay node, hypervisors, VMs."""
    net = Mininet(topo=None, controller=None, build=False, autoSetMacs=False)
    ul = net.addHost(prefix + "-ul", ip=None)
    hvs = {}
    for name, ip in HYPERVISORS:
        hvs[name] = net.addHost(name, cls=Hypervisor, ip=None, vtep_ip=ip)
        net.addLink(hvs[name], ul, intfName1="eth0", intfName2=name)
    for name, hv, mac, ip in VMS:
        vm = net.addHost(name, ip=ip, mac=mac)
        net.addLink(vm, hvs[hv], intfName1="eth0", intfName2=name)
    net.build()
    # The underlay bridge floods unregistered multicast (no IGMP snooping).
    run(ul, "ip link add br0 type bridge mcast_snooping 0 && ip link set br0 up")
    for name, _ in HYPERVISORS:
        run(ul, "ip link set dev %s master br0 && ip link set dev %s up" % (name, name))
    for name, _, _, _ in VMS:
        run(net.get(name), "ip link set eth0 mtu 1450 && ethtool -K eth0 tx off >/dev/null")
    return net, hvs


def check(net, hvs, vtepctl, timeout):
    """Pings every VM from every other one, then prints the learned tables."""
    failed = False
    for src, _, _, _ in VMS:
        for dst, _, _, ip in VMS:
            if src == dst:
                continue
            addr = ip.split("/")[0]
            deadline = time.time() + timeout
            while True:
                out = net.get(src).cmd("ping -c1 -W1 %s" % addr)
                ok = " 0% packet loss" in out
                if ok or time.time() > deadline:
                    break
            print("ping %s -> %s (%s): %s" % (src, dst, addr, "ok" if ok else "FAILED\n" + out))
            failed = failed or not ok
    for name, _ in HYPERVISORS:
        try:
            out = hvs[name].macs(vtepctl)
        except RuntimeError as e:
            print("vtepctl macs on %s FAILED: %s" % (name, e))
            failed = True
            continue
        print("vtepctl macs on %s:\n%s" % (name, out.rstrip()))
        remote = [ip.split("/")[0] for n, ip in HYPERVISORS if n != name]
        for r in remote:
            if "VTEP " + r not in out:
                print("%s: no MAC learned behind VTEP %s: FAILED" % (name, r))
                failed = True
    return not failed


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--vtepd", default="vtepd", help="vtepd binary")
    p.add_argument("--vtepctl", default="vtepctl", help="vtepctl binary")
    p.add_argument("--prefix", default="vtepmn", help="names the underlay node and the default run directory")
    p.add_argument("--rundir", help="directory of the OVS instances and vtepds (default /tmp/vtep-PREFIX)")
    p.add_argument("--check", action="store_true", help="ping, print the tables, take the network down")
    p.add_argument("--timeout", type=float, default=30, help="seconds a ping may take to succeed in --check")
    a = p.parse_args()
    vtepd, vtepctl = os.path.abspath(a.vtepd), os.path.abspath(a.vtepctl)
    if os.sep not in a.vtepd:
        vtepd = shutil.which(a.vtepd) or a.vtepd
    if os.sep not in a.vtepctl:
        vtepctl = shutil.which(a.vtepctl) or a.vtepctl
    rundir = a.rundir or "/tmp/vtep-" + a.prefix
    setLogLevel("warning")
    net, hvs = None, {}
    ok = False
    os.makedirs(rundir)  # fails if a lab of this prefix is up: its directory is not ours to remove
    try:
        net, hvs = build(a.prefix)
        for name, _ in HYPERVISORS:
            ports = [vm for vm, hv, _, _ in VMS if hv == name]
            hvs[name].start_vtep(rundir, vtepd, ports)
        if a.check:
            ok = check(net, hvs, vtepctl, a.timeout)
            if not ok:
                for hv in hvs.values():
                    hv.log.flush()
                    with open(os.path.join(hv.rundir, "vtepd.log")) as f:
                        print("%s vtepd log (end):\n%s" % (hv.name, "".join(f.readlines()[-15:])))
        else:
            from mininet.cli import CLI
            CLI(net)
            ok = True
    finally:
        for hv in hvs.values():
            hv.stop_vtep()
        if net is not None:
            net.stop()
        shutil.rmtree(rundir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
