// Package version holds the build's version, stamped by the Makefile from git.
package version
