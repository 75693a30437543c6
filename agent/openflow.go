package agent

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/ofapp"
)

// openflowSetup is how vtepd listens for switches and whom it lets in.
type openflowSetup struct {
	listen ofapp.ListenOptions
	peers  []uint32 // users besides root and vtepd's own
}

// openflowOptions resolves the openflow section: the user ovs-vswitchd
// runs as (openflow.ovs_user, else the owner of OVS's run directory) may
// connect to the unix socket, which it then owns if it is not vtepd's user.
func openflowOptions(cfg *config.Config, log logrus.FieldLogger) (openflowSetup, error) {
	var st openflowSetup
	uid, from, err := ovsUID(cfg)
	if err != nil {
		return st, err
	}
	if uid >= 0 && uid != 0 {
		st.peers = []uint32{uint32(uid)}
		if uid != os.Geteuid() {
			st.listen.SocketOwner = uid
		}
	}
	log.WithFields(logrus.Fields{"ovs_uid": uid, "from": from}).Info("unix OpenFlow connections are accepted from root, vtepd's user and OVS's user")
	return st, nil
}

// controllerConfig is the OpenFlow controller's configuration: the caps of
// the openflow section, and the users besides root and vtepd's own whose
// processes may connect.
func (a *Agent) controllerConfig(cfg *config.Config, peers []uint32) ofapp.Config {
	return ofapp.Config{
		Logger:         a.log.WithField("component", "openflow"),
		OnPacketIn:     func(*ofapp.Switch, ofapp.PacketIn) { a.packetIns.Add(1) },
		MaxConnections: int(cfg.OpenFlow.MaxConnections),
		MaxHandshakes:  int(cfg.OpenFlow.MaxHandshakes),
		PeerUIDs:       peers,
	}
}

// ovsUID returns the uid ovs-vswitchd runs as and where it came from, or
// -1 when it cannot be told (no unix run directory).
func ovsUID(cfg *config.Config) (int, string, error) {
	if u := cfg.OpenFlow.OVSUser; u != "" {
		if n, err := strconv.ParseUint(u, 10, 32); err == nil {
			return int(n), "openflow.ovs_user", nil
		}
		usr, err := user.Lookup(u)
		if err != nil {
			return 0, "", fmt.Errorf("openflow.ovs_user %q: %w", u, err)
		}
		n, err := strconv.Atoi(usr.Uid)
		if err != nil {
			return 0, "", fmt.Errorf("openflow.ovs_user %q: uid %q: %w", u, usr.Uid, err)
		}
		return n, "openflow.ovs_user", nil
	}
	dir := ovsRunDir(cfg)
	if dir == "" {
		dir = listenDir(cfg.OpenFlow.Listen)
	}
	if dir == "" {
		return -1, "", nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return 0, "", fmt.Errorf("openflow.ovs_user is empty and OVS's run directory cannot be read: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, "", nil
	}
	return int(st.Uid), "owner of " + dir, nil
}
