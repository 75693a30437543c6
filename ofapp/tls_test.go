package ofapp_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sirupsen/logrus/hooks/test"
	"github.com/vtep/vtep/labs"
	"github.com/vtep/vtep/labs/labstest"
	"github.com/vtep/vtep/ofapp"
)

// pkiCert is a key pair and its certificate, parsed and as PEM.
type pkiCert struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
	keyPEM  []byte
}

// newCert makes a certificate for name, signed by ca (self-signed, a CA,
// when ca is nil).
func newCert(t testing.TB, name string, ca *pkiCert) *pkiCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: []string{"vtep test"}, CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	parent, signer := tmpl, key
	if ca == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
		tmpl.ExtKeyUsage, tmpl.IPAddresses = nil, nil
	} else {
		parent, signer = ca.cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return &pkiCert{cert: cert, key: key,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})}
}

func (c *pkiCert) tlsCert(t testing.TB) tls.Certificate {
	t.Helper()
	tc, err := tls.X509KeyPair(c.certPEM, c.keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return tc
}

// write stores the key and certificate as NAME-privkey.pem and NAME-cert.pem.
func (c *pkiCert) write(t testing.TB, dir, name string) (key, cert string) {
	t.Helper()
	key, cert = filepath.Join(dir, name+"-privkey.pem"), filepath.Join(dir, name+"-cert.pem")
	if err := os.WriteFile(key, c.keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cert, c.certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	return key, cert
}

// TestIntegrationSSL: ovs-vswitchd connects over ssl: with certificates of
// one CA (its SSL table set with ovs-vsctl set-ssl); a client whose
// certificate another CA signed, and one without a certificate, are
// refused in the TLS handshake and counted.
func TestIntegrationSSL(t *testing.T) {
	o := labstest.NewOVS(t)
	ca := newCert(t, "vtep test CA", nil)
	ctlCert, swCert := newCert(t, "vtepd", ca), newCert(t, "switch", ca)
	swKey, swCertFile := swCert.write(t, o.Dir, "switch")
	_, caFile := ca.write(t, o.Dir, "ca")
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	l, _ := test.NewNullLogger()
	ctl := ofapp.NewController(ofapp.Config{Logger: l})
	defer ctl.Close()
	var ln net.Listener
	err := labs.InNetns(o.Netns, func() (err error) {
		ln, err = ofapp.ListenWith("ssl:127.0.0.1:0", ofapp.ListenOptions{TLS: &tls.Config{
			Certificates: []tls.Certificate{ctlCert.tlsCert(t)},
			ClientAuth:   tls.RequireAndVerifyClientCert, ClientCAs: pool, MinVersion: tls.VersionTLS12,
		}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	go ctl.Serve(ctxT(t), ln)
	target := "ssl:" + ln.Addr().String()

	const dpid = 0xa5
	lb := &lab{ovs: o, ctl: ctl, dpid: dpid}
	lb.vsctl(t, "set-ssl", swKey, swCertFile, caFile)
	lb.vsctl(t, "add-br", testBridge, "--", "set", "bridge", testBridge, "datapath_type=netdev", "fail_mode=secure",
		"protocols=OpenFlow13", fmt.Sprintf("other_config:datapath-id=%016x", dpid), "--", "set-controller", testBridge, target)
	sw := lb.waitSwitch(t)
	if err := sw.Barrier(ctxT(t)); err != nil {
		t.Fatalf("barrier over ssl: %v", err)
	}

	rogueCA := newCert(t, "rogue CA", nil)
	for i, certs := range [][]tls.Certificate{{newCert(t, "rogue", rogueCA).tlsCert(t)}, nil} {
		err := labs.InNetns(o.Netns, func() error {
			c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{Certificates: certs, RootCAs: pool, ServerName: "127.0.0.1"})
			if err != nil {
				return nil // refused in the handshake
			}
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if n, err := c.Read(make([]byte, 64)); err == nil {
				return fmt.Errorf("client %d read %d bytes of OpenFlow", i, n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the refusal counted", func() bool { return ctl.ConnStats().Refused[ofapp.RefusedHandshake] == uint64(i+1) })
	}
	if cur, ok := ctl.Switch(dpid); !ok || cur != sw {
		t.Fatal("the bridge's ssl session was replaced or lost")
	}
}
