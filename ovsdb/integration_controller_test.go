package ovsdb_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vtep/vtep/ovsdb"
)

// TestIntegrationControllerStatus: the status of a controller nobody
// listens on, and of one ovs-vswitchd refuses to use, says why.
func TestIntegrationControllerStatus(t *testing.T) {
	o, c := startOVS(t)
	ctx := testCtx(t)
	inside := "unix:" + filepath.Join(o.Dir, "nobody.sock")
	outside := "unix:/tmp/vtep-no-such-dir/ctl.sock"
	spec := ovsdb.BridgeSpec{Name: "br-int", DatapathType: ovsdb.DatapathNetdev, FailMode: ovsdb.FailSecure,
		Controllers: []string{inside}, ControllerMaxBackoff: 1000}
	if _, err := c.EnsureBridge(ctx, spec); err != nil {
		t.Fatal(err)
	}
	var st []ovsdb.ControllerStatus
	waitFor(t, "a connection error in the controller's status", func() bool {
		var err error
		st, err = c.ControllerStatus(ctx, "br-int")
		if err != nil {
			t.Fatal(err)
		}
		return len(st) == 1 && st[0].LastError != ""
	})
	if !strings.Contains(st[0].Reason, "state "+st[0].State+", last error: "+st[0].LastError) {
		t.Errorf("reason = %q, want state and last error", st[0].Reason)
	}
	t.Logf("status of %s: %+v", inside, st[0])
	if st[0].Target != inside || st[0].IsConnected || st[0].Bridge != "br-int" || st[0].State == "ACTIVE" || st[0].State == "" {
		t.Errorf("status = %+v, want %s, not connected, with a state", st[0], inside)
	}
	if !strings.Contains(st[0].LastError, "No such file") && !strings.Contains(st[0].LastError, "refused") {
		t.Errorf("last_error = %q, want the socket missing", st[0].LastError)
	}

	spec.Controllers = []string{outside}
	if _, err := c.EnsureBridge(ctx, spec); err != nil {
		t.Fatal(err)
	}
	// ovs-vswitchd says why only in its log, and leaves the status empty.
	logFile := filepath.Join(o.Dir, "ovs-vswitchd.log")
	waitFor(t, "ovs-vswitchd to refuse the controller", func() bool {
		b, _ := os.ReadFile(logFile)
		return strings.Contains(string(b), `Not connecting to socket controller "`+outside+`"`)
	})
	st, err := c.ControllerStatus(ctx, "br-int")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("status of %s: %+v", outside, st)
	if len(st) != 1 || st[0].Target != outside || st[0].IsConnected || st[0].State != "" || st[0].Reason != ovsdb.NoStatusReason {
		t.Errorf("status = %+v, want %s not connected, without state, with the no-status reason", st, outside)
	}

	if _, err := c.ControllerStatus(ctx, "no-such-bridge"); !errorsIsNotFound(err) {
		t.Errorf("missing bridge: err = %v, want ErrNotFound", err)
	}
}

func errorsIsNotFound(err error) bool { return errors.Is(err, ovsdb.ErrNotFound) }
