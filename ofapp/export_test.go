package ofapp

// Test hooks for the external test package.
var (
	SampleFlows  = sampleFlows
	SampleGroups = sampleGroups
)
