package version

// Version is set at link time (-X) to `git describe` output; "dev" otherwise.
var Version = "dev"
