package api

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
)

// FlushQuery is POST /v1/macs/flush's parameters: the MAC to unfreeze and
// optionally its VNI (0: every VNI).
type FlushQuery struct {
	MAC string
	VNI uint32
}

// ParseFlushQuery reads mac= (required, an Ethernet address) and vni=.
func ParseFlushQuery(v url.Values) (FlushQuery, error) {
	q := FlushQuery{MAC: v.Get("mac")}
	hw, err := net.ParseMAC(q.MAC)
	if err != nil || len(hw) != 6 {
		return q, fmt.Errorf("mac %q: want an Ethernet address such as 02:00:00:00:00:0a", q.MAC)
	}
	q.MAC = hw.String()
	if s := v.Get("vni"); s != "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil || n == 0 || n > 0xffffff {
			return q, fmt.Errorf("vni %q: want a number 1..16777215", s)
		}
		q.VNI = uint32(n)
	}
	return q, nil
}

// Values returns the query as URL parameters.
func (q FlushQuery) Values() url.Values {
	v := url.Values{"mac": {q.MAC}}
	if q.VNI != 0 {
		v.Set("vni", strconv.FormatUint(uint64(q.VNI), 10))
	}
	return v
}

// FlushMAC calls POST /v1/macs/flush: it unfreezes a frozen MAC.
func (c *Client) FlushMAC(ctx context.Context, q FlushQuery) (FlushResult, error) {
	var res FlushResult
	err := c.Post(ctx, "/v1/macs/flush"+encodeQuery(q.Values()), &res)
	return res, err
}

// Post calls an endpoint that changes vtepd's state, with no body, and
// reads the answer into v.
func (c *Client) Post(ctx context.Context, path string, v any) error {
	return c.do(ctx, http.MethodPost, path, v)
}
