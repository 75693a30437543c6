package config

import (
	"regexp"
	"strconv"
)

// userName is what a user name or a uid may look like (useradd's rules).
var userName = regexp.MustCompile(`^([a-z_][a-z0-9_-]*\$?|[0-9]+)$`)

// validateOpenFlow checks the openflow section: the endpoint,
// the caps and the OVS user's spelling (whether it exists is checked at
// start).
func (c *Config) validateOpenFlow(errs *errorList) {
	o := c.OpenFlow
	switch {
	case o.Listen == "":
		errs.add("openflow.listen", "", ErrRequired)
	case !endpointOK(o.Listen, false):
		errs.addf("openflow.listen", o.Listen, ErrInvalid, "want unix:PATH or tcp:HOST:PORT")
	}
	if o.MaxHandshakes > o.MaxConnections {
		errs.addf("openflow.max_handshakes", strconv.FormatUint(uint64(o.MaxHandshakes), 10), ErrInvalid, "more than openflow.max_connections (%d)", o.MaxConnections)
	}
	if o.OVSUser != "" && !userName.MatchString(o.OVSUser) {
		errs.addf("openflow.ovs_user", o.OVSUser, ErrInvalid, "want a user name or a numeric uid")
	}
}
