package agent

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"runtime/debug"

	"github.com/vtep/vtep/api"
)

// The local API's endpoints, all in one table. Each handler returns the
// answer or an error; serveRoute writes either. Parameter errors are
// wrapped with badRequest (400); any other error means vtepd could not read
// the switches (503).
var routes = []struct {
	pattern string
	handle  func(a *Agent, r *http.Request) (any, error)
}{
	{"GET /v1/status", func(a *Agent, r *http.Request) (any, error) { return a.Status(), nil }},
	{"GET /v1/flows", func(a *Agent, r *http.Request) (any, error) {
		q, err := api.ParseFlowQuery(r.URL.Query())
		if err != nil {
			return nil, badRequest{err}
		}
		if acceptsRows(r.Header.Values("Accept")) {
			return a.flowRowsFor(q)
		}
		return a.Flows(r.Context(), q)
	}},
	{"GET /v1/flows/diff", func(a *Agent, r *http.Request) (any, error) {
		q, err := api.ParseFlowQuery(r.URL.Query())
		if err != nil {
			return nil, badRequest{err}
		}
		return a.FlowDiffs(r.Context(), q.Role)
	}},
	{"GET /v1/macs", func(a *Agent, r *http.Request) (any, error) {
		q, err := api.ParseFlowQuery(r.URL.Query())
		if err != nil {
			return nil, badRequest{err}
		}
		return a.MACs(r.Context(), q.VNI)
	}},
	{"GET /v1/neigh", func(a *Agent, r *http.Request) (any, error) {
		q, err := api.ParseFlowQuery(r.URL.Query())
		if err != nil {
			return nil, badRequest{err}
		}
		return a.Neigh(r.Context(), q.VNI)
	}},
	{"POST /v1/macs/flush", func(a *Agent, r *http.Request) (any, error) {
		q, err := api.ParseFlushQuery(r.URL.Query())
		if err != nil {
			return nil, badRequest{err}
		}
		return a.FlushMAC(q.MAC, q.VNI)
	}},
	{"GET /v1/remotes", func(a *Agent, r *http.Request) (any, error) { return a.RemoteVTEPs(r.Context()) }},
	{"GET /v1/evpn/peers", func(a *Agent, r *http.Request) (any, error) { return a.EVPNPeers(r.Context()) }},
	{"GET /v1/evpn/routes", func(a *Agent, r *http.Request) (any, error) {
		q, err := api.ParseEVPNRouteQuery(r.URL.Query())
		if err != nil {
			return nil, badRequest{err}
		}
		return a.EVPNRoutes(q)
	}},
	{"GET /v1/vteps", func(a *Agent, r *http.Request) (any, error) {
		q, err := api.ParseFlowQuery(r.URL.Query())
		if err != nil {
			return nil, badRequest{err}
		}
		return a.VTEPs(r.Context(), q.VNI)
	}},
	{"GET /v1/trace", func(a *Agent, r *http.Request) (any, error) {
		req, err := api.ParseTraceRequest(r.URL.Query())
		if err != nil {
			return nil, badRequest{err}
		}
		res, err := a.Trace(r.Context(), req)
		if err != nil {
			// a packet vtepd cannot build (unknown port, tunnel port not
			// there yet) is the request's fault
			return nil, badRequest{err}
		}
		return res, nil
	}},
}

// badRequest marks an error as the request's fault (HTTP 400).
type badRequest struct{ err error }

func (e badRequest) Error() string { return e.err.Error() }
func (e badRequest) Unwrap() error { return e.err }

// registerAPI adds every route of the table to mux.
func (a *Agent) registerAPI(mux *http.ServeMux) {
	for _, rt := range routes {
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) {
			v, err := rt.handle(a, r)
			var bad badRequest
			switch {
			case errors.As(err, &bad):
				writeError(w, http.StatusBadRequest, err)
			case err != nil:
				writeError(w, http.StatusServiceUnavailable, err)
			default:
				if !writeRows(w, r, v) {
					writeJSON(w, v)
				}
				releaseLarge(v)
			}
		})
	}
}

// largeAnswer is the length from which a list answer (the MAC table,
// dump-flows) is large: building and writing it takes memory in
// proportion, tens of megabytes at 100,000 entries.
const largeAnswer = 10000

// releaseLarge hands the memory a large list answer used back to the
// operating system once it is written: the Go runtime would otherwise keep
// it, and vtepd's RSS would stay at the peak of its largest answer
// (docs/performance.md). A smaller answer costs nothing here.
func releaseLarge(v any) {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice && rv.Len() >= largeAnswer {
		freeOSMemory()
	}
}

// freeOSMemory is debug.FreeOSMemory; a test counts its calls.
var freeOSMemory = debug.FreeOSMemory

// writeError answers with an HTTP status and {"error": "..."}, which
// api.Client.Get turns into an error carrying the message.
func writeError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}
