package agent

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
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
	if strings.HasPrefix(cfg.OpenFlow.Listen, "ssl:") {
		if st.listen.TLS, err = serverTLS(cfg.OpenFlow); err != nil {
			return st, err
		}
	}
	return st, nil
}

// serverTLS loads OVS's PKI files for an ssl: listener: vtepd's key and
// certificate, and the CA that must have signed every switch's
// certificate (a switch without one fails the TLS handshake).
func serverTLS(o config.OpenFlow) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(o.Certificate, o.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("openflow.certificate %q, openflow.private_key %q: %w", o.Certificate, o.PrivateKey, err)
	}
	pool, err := readCAPool(o.CACert)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// readCAPool reads openflow.ca_cert.
func readCAPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("openflow.ca_cert %q: %w", file, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("openflow.ca_cert %q: %w", file, errNoPEMCertificate)
	}
	return pool, nil
}

// errNoPEMCertificate says a CA certificate file holds no PEM certificate.
var errNoPEMCertificate = errors.New("no PEM certificate in it")

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
