package labs_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/vtep/vtep/labs/labstest"
)

// TestMain checks that the package's tests leave nothing behind: no
// namespace, run directory or pidfile under any prefix they used. It fails
// the run otherwise, so running the suite twice in a row starts clean twice.
func TestMain(m *testing.M) {
	code := m.Run()
	if os.Getenv("VTEP_LAB_CHILD") == "" {
		for _, l := range labstest.Leftovers(labstest.UsedPrefixes()) {
			fmt.Fprintf(os.Stderr, "FAIL: tests left behind %s\n", l)
			code = 1
		}
	}
	os.Exit(code)
}
