package agent

import (
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/api"
)

// writeRows answers a list in the row format (api.RowsType) when the
// request accepts it and the list is one that format has (the MAC table,
// the flows as they are read: flowRows), and reports whether it did. Anything else is answered in
// JSON, as to a client that does not ask for rows.
func writeRows(w http.ResponseWriter, r *http.Request, v any) bool {
	if !acceptsRows(r.Header.Values("Accept")) {
		return false
	}
	var write func(io.Writer) error
	switch l := v.(type) {
	case flowRows:
		l.serve(w, r)
		return true
	case []api.MACEntry:
		write = func(w io.Writer) error { return api.WriteMACRows(w, l) }
	case []api.FlowEntry:
		write = func(w io.Writer) error { return api.WriteFlowRows(w, l) }
	default:
		return false
	}
	w.Header().Set("Content-Type", api.RowsType+"; charset=utf-8")
	if err := write(w); err != nil {
		logrus.WithError(err).WithField("path", r.URL.Path).Debug("api: write rows")
	}
	return true
}

// acceptsRows reports whether Accept headers name the row format.
func acceptsRows(accept []string) bool {
	for _, h := range accept {
		for part := range strings.SplitSeq(h, ",") {
			if mt, _, err := mime.ParseMediaType(part); err == nil && mt == api.RowsType {
				return true
			}
		}
	}
	return false
}
