package config

import (
	"regexp"
	"strconv"
	"strings"
)

// userName is what a user name or a uid may look like (useradd's rules).
var userName = regexp.MustCompile(`^([a-z_][a-z0-9_-]*\$?|[0-9]+)$`)

// validateOpenFlow checks the openflow section: the endpoint (ssl: too),
// the caps, the OVS user's spelling (whether it exists is checked at
// start) and that the PKI files come with ssl: and only with it.
func (c *Config) validateOpenFlow(errs *errorList) {
	o := c.OpenFlow
	switch {
	case o.Listen == "":
		errs.add("openflow.listen", "", ErrRequired)
	case !endpointOK(o.Listen, true):
		errs.addf("openflow.listen", o.Listen, ErrInvalid, "want unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT")
	}
	if o.MaxHandshakes > o.MaxConnections {
		errs.addf("openflow.max_handshakes", strconv.FormatUint(uint64(o.MaxHandshakes), 10), ErrInvalid, "more than openflow.max_connections (%d)", o.MaxConnections)
	}
	if o.OVSUser != "" && !userName.MatchString(o.OVSUser) {
		errs.addf("openflow.ovs_user", o.OVSUser, ErrInvalid, "want a user name or a numeric uid")
	}
	ssl := strings.HasPrefix(o.Listen, "ssl:")
	for _, f := range []struct{ key, v string }{
		{"openflow.private_key", o.PrivateKey},
		{"openflow.certificate", o.Certificate},
		{"openflow.ca_cert", o.CACert},
	} {
		switch {
		case ssl && f.v == "":
			errs.addf(f.key, "", ErrRequired, "an ssl: openflow.listen needs private_key, certificate and ca_cert")
		case !ssl && f.v != "":
			errs.addf(f.key, f.v, ErrInvalid, "only an ssl: openflow.listen uses it")
		case ssl && !strings.HasPrefix(f.v, "/"):
			errs.addf(f.key, f.v, ErrInvalid, "want an absolute path")
		}
	}
}
