package agent

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vtep/vtep/config"
)

func TestServerTLSErrorsNameKeys(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, []byte("no certificate here\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := serverTLS(config.OpenFlow{PrivateKey: missing, Certificate: missing, CACert: missing})
	if err == nil || !strings.Contains(err.Error(), "openflow.certificate") || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing key pair: %v, want an error naming openflow.certificate and the file", err)
	}
	if _, err := readCAPool(empty); !errors.Is(err, errNoPEMCertificate) || !strings.Contains(err.Error(), "openflow.ca_cert") {
		t.Errorf("CA file without a certificate: %v", err)
	}
}

func TestOVSUIDFromConfig(t *testing.T) {
	cfg := config.Default()
	cfg.OpenFlow.OVSUser = "65534"
	if uid, from, err := ovsUID(&cfg); err != nil || uid != 65534 || from != "openflow.ovs_user" {
		t.Errorf("ovsUID = %d, %q, %v; want 65534 from openflow.ovs_user", uid, from, err)
	}
	cfg.OpenFlow.OVSUser = "no-such-user-here"
	if _, _, err := ovsUID(&cfg); err == nil || !strings.Contains(err.Error(), `openflow.ovs_user "no-such-user-here"`) {
		t.Errorf("unknown user: %v", err)
	}
	cfg.OpenFlow.OVSUser = ""
	cfg.OVSDB = "unix:" + filepath.Join(t.TempDir(), "db.sock")
	if uid, _, err := ovsUID(&cfg); err != nil || uid != os.Geteuid() {
		t.Errorf("run directory owner: %d, %v; want %d", uid, err, os.Geteuid())
	}
}
