// Package api is vtepd's local API as its users see it: the request and
// answer types of every endpoint (status with health checks, flows and
// their diff, the learned MAC table, packet traces) and Client, which reads
// them over api.listen (a unix socket by default, or tcp).
//
// vtepctl, the labs and the end-to-end tests depend on this package only,
// never on the daemon (package agent), which serves these types. The types
// are the JSON contract: renaming a field is a breaking change.
//
//	GET /v1/status            Status
//	GET /v1/flows             []FlowEntry   (FlowQuery)
//	GET /v1/flows/diff        []FlowDiff
//	GET /v1/macs              []MACEntry
//	GET /v1/remotes           []RemoteVTEP
//	GET /v1/trace             TraceResult   (TraceRequest)
//	GET /healthz, /readyz     liveness; Health (200 healthy, 503 not)
//
// The MAC table and the flows are also answered in a lean row format
// (RowsType, see rows.go), which EachMAC and EachFlow ask for.
package api
