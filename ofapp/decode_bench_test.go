package ofapp

import "testing"

// BenchmarkDecodeFlowStats decodes a flow stats reply body of 1000 flows
// shaped like the install benchmark's (actions through libOpenflow).
//
//	go test -run '^$' -bench DecodeFlowStats -benchmem ./ofapp/
func BenchmarkDecodeFlowStats(b *testing.B) {
	var body []byte
	fs := benchFlows(1000)
	for i := range fs {
		body = appendFlowStatsEntry(body, &fs[i])
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := decodeFlowStats(body, nil); err != nil {
			b.Fatal(err)
		}
	}
}
