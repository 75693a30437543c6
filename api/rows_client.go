package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
)

// EachMAC reads GET /v1/macs (vni 0: every VNI) like MACs, but in the row
// format, and hands each entry to fn as it is read (fn must copy what it
// keeps: the entry is reused). An error of fn ends the read and is
// returned as it is. A vtepd that answers in JSON, not knowing the row
// format, is read as well.
func (c *Client) EachMAC(ctx context.Context, vni uint32, fn func(*MACEntry) error) error {
	v := url.Values{}
	if vni != 0 {
		v.Set("vni", strconv.FormatUint(uint64(vni), 10))
	}
	return eachRow(ctx, c, "/v1/macs"+encodeQuery(v), ReadMACRows, fn)
}

// EachFlow reads GET /v1/flows like Flows, in the row format, handing
// each flow to fn as EachMAC does, in the order vtepd reads them from the
// switches (SortFlowEntries puts them in Flows' order).
func (c *Client) EachFlow(ctx context.Context, q FlowQuery, fn func(*FlowEntry) error) error {
	return eachRow(ctx, c, "/v1/flows"+encodeQuery(q.Values()), ReadFlowRows, fn)
}

// eachRow asks path for the row format and reads the answer with read, or
// decodes a JSON answer and hands over its elements.
func eachRow[T any](ctx context.Context, c *Client, path string, read func(io.Reader, func(*T) error) error, fn func(*T) error) error {
	resp, what, err := c.send(ctx, http.MethodGet, path, RowsType)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var fnErr error
	call := func(e *T) error {
		fnErr = fn(e)
		return fnErr
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == RowsType {
		err = read(resp.Body, call)
	} else {
		var list []T
		if err = json.NewDecoder(resp.Body).Decode(&list); err == nil {
			for i := range list {
				if err = call(&list[i]); err != nil {
					break
				}
			}
		}
	}
	var failed failedError
	switch {
	case fnErr != nil:
		return fnErr
	case errors.As(err, &failed):
		return fmt.Errorf("vtepd %s %s: %w", c.Target, what, err)
	case err != nil:
		return fmt.Errorf("vtepd %s %s: bad reply: %w", c.Target, what, err)
	}
	return nil
}
